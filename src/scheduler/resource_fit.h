#pragma once
// Feasibility stage: the instance has the CPU, memory, host ports and GPUs a
// task needs; and taking them once the task is placed there.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/placement.h"

namespace gantry::scheduler {

// nullopt when the task fits, else the first shortage in the order CPU,
// memory, ports, GPUs: "RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS",
// "RESOURCE:GPU". Host port 0 (a dynamic port) never conflicts.
std::optional<std::string_view> check_resources(const InstanceView& instance,
                                                const PlacementRequest& request);

// Deducts what the task needs from `instance` (which must fit it) and
// returns the GPU ids it was given: the first gpu_count free ones, in order.
std::vector<std::string> take_resources(InstanceView& instance, const PlacementRequest& request);

}  // namespace gantry::scheduler
