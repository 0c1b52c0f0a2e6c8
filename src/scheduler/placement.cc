#include "scheduler/placement.h"

#include "scheduler/feasibility.h"
#include "scheduler/constraint_filter.h"
#include "scheduler/eligibility.h"
#include "scheduler/resource_fit.h"
#include "scheduler/strategies.h"

namespace gantry::scheduler {

PlacementResult place(const std::vector<InstanceView>& instances, const PlacementRequest& request,
                      core::Random& random) {
  // Validate everything before placing anything.
  const auto rankers = make_rankers(request.strategies);
  const ConstraintFilter constraints(request.constraints);

  PlacementResult result;
  std::vector<InstanceView> working = instances;  // what earlier tasks of this call took
  for (int task = 0; task < request.count; ++task) {
    std::vector<size_t> candidates;
    std::vector<Failure> failures;
    for (size_t i = 0; i < working.size(); ++i) {
      if (!is_eligible(working[i], request.launch_type, request.capacity_provider)) continue;
      if (auto reason = first_rejection(working[i], request, constraints))
        failures.push_back({working[i].arn, std::string(*reason)});
      else
        candidates.push_back(i);
    }
    if (candidates.empty()) {
      if (failures.empty()) failures.push_back({"", "MISSING"});
      result.failures = std::move(failures);
      return result;
    }
    for (const auto& ranker : rankers) {
      if (candidates.size() == 1) break;
      candidates = ranker->narrow(working, candidates, request.group, random);
    }
    const size_t chosen = candidates.front();  // remaining ties: the lowest index
    InstanceView& instance = working[chosen];
    result.placements.push_back({chosen, take_resources(instance, request)});
    instance.task_groups.insert(request.group);
  }
  return result;
}

}  // namespace gantry::scheduler
