#pragma once
// Feasibility stage: the request's placement constraints. distinctInstance
// keeps a second task of the group off an instance; memberOf keeps tasks on
// the instances its cluster query matches. Either rejects with "ATTRIBUTE".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/placement.h"
#include "scheduler/query_language.h"

namespace gantry::scheduler {

class ConstraintFilter {
 public:
  static constexpr size_t kMaxConstraints = 10;

  // Validates and compiles the constraints once; throws core::ApiError
  // (InvalidParameterException) for an unknown type, a distinctInstance with
  // an expression, a memberOf without one, a bad query, or more than ten.
  explicit ConstraintFilter(const std::vector<PlacementConstraint>& constraints);

  // `group` is the group the new task joins; the instance's task_groups must
  // already include the tasks placed earlier in the same request.
  std::optional<std::string_view> check(const InstanceView& instance,
                                        const std::string& group) const;

 private:
  bool distinct_instance_ = false;
  std::vector<CompiledQuery> member_of_;
};

}  // namespace gantry::scheduler
