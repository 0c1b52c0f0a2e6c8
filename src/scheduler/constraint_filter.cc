#include "scheduler/constraint_filter.h"

#include <algorithm>

#include "core/error.h"

namespace gantry::scheduler {

ConstraintFilter::ConstraintFilter(const std::vector<PlacementConstraint>& constraints) {
  if (constraints.size() > kMaxConstraints)
    throw core::invalid_parameter("Too many placement constraints: at most " +
                                  std::to_string(kMaxConstraints) + " are allowed, " +
                                  std::to_string(constraints.size()) + " were given.");
  for (const auto& constraint : constraints) {
    if (constraint.type == "distinctInstance") {
      if (!constraint.expression.empty())
        throw core::invalid_parameter(
            "A distinctInstance placement constraint cannot have an expression.");
      distinct_instance_ = true;
    } else if (constraint.type == "memberOf") {
      if (constraint.expression.empty())
        throw core::invalid_parameter("A memberOf placement constraint requires an expression.");
      member_of_.push_back(compile_query(constraint.expression));
    } else {
      throw core::invalid_parameter("Invalid placement constraint type '" + constraint.type +
                                    "': expected distinctInstance or memberOf.");
    }
  }
}

std::optional<std::string_view> ConstraintFilter::check(const InstanceView& instance,
                                                        const std::string& group) const {
  if (distinct_instance_ && instance.task_groups.contains(group)) return "ATTRIBUTE";
  const bool members = std::all_of(member_of_.begin(), member_of_.end(),
                                   [&](const CompiledQuery& q) { return q.matches(instance); });
  if (!members) return "ATTRIBUTE";
  return std::nullopt;
}

}  // namespace gantry::scheduler
