#include "scheduler/feasibility.h"

#include "scheduler/attribute_fit.h"
#include "scheduler/resource_fit.h"

namespace gantry::scheduler {

std::optional<std::string_view> first_rejection(const InstanceView& instance,
                                                const PlacementRequest& request,
                                                const ConstraintFilter& constraints) {
  if (auto reason = check_required_attributes(instance, request.required_attributes)) return reason;
  if (auto reason = constraints.check(instance, request.group)) return reason;
  return check_resources(instance, request);
}

}  // namespace gantry::scheduler
