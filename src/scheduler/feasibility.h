#pragma once
// The feasibility chain after eligibility, cheapest and most ECS-like first:
// required attributes, constraints, resources. Both placement functions use
// it, so they reject the same instances for the same reasons.
#include <optional>
#include <string_view>

#include "scheduler/constraint_filter.h"
#include "scheduler/placement.h"

namespace gantry::scheduler {

// The reason of the first stage that rejects `instance`, or nullopt if it fits.
std::optional<std::string_view> first_rejection(const InstanceView& instance,
                                                const PlacementRequest& request,
                                                const ConstraintFilter& constraints);

}  // namespace gantry::scheduler
