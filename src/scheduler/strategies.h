#pragma once
// The request's placement strategies as a chain of rankers.
#include <memory>
#include <vector>

#include "scheduler/ranker.h"

namespace gantry::scheduler {

constexpr size_t kMaxStrategies = 5;

// Validates the strategies and builds their rankers, in order; no strategy
// means random, as for RunTask. Throws core::ApiError
// (InvalidParameterException) for an unknown type, a bad field, or more than
// five strategies. random ignores its field, which ECS does not use.
std::vector<std::unique_ptr<const Ranker>> make_rankers(
    const std::vector<PlacementStrategy>& strategies);

}  // namespace gantry::scheduler
