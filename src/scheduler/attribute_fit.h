#pragma once
// Feasibility stage: the task definition's requiresAttributes must all be
// present on the instance.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/placement.h"

namespace gantry::scheduler {

// nullopt when the instance has every attribute, else "ATTRIBUTE".
std::optional<std::string_view> check_required_attributes(
    const InstanceView& instance, const std::vector<std::string>& required);

}  // namespace gantry::scheduler
