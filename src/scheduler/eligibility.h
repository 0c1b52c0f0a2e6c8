#pragma once
// The first stage: which instances take part at all. ECS does not list an
// instance that is not ACTIVE, or that offers another launch type, among a
// RunTask's failures, so these are skipped without a reason.
#include <string_view>

#include "scheduler/placement.h"

namespace gantry::scheduler {

// An empty launch type means EC2, RunTask's default without a capacity
// provider; a capacity provider (EC2 only) keeps the instances that
// registered with it.
bool is_eligible(const InstanceView& instance, std::string_view launch_type,
                 std::string_view capacity_provider = {});

}  // namespace gantry::scheduler
