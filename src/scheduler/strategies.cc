#include "scheduler/strategies.h"

#include <string>

#include "core/error.h"
#include "scheduler/binpack_ranker.h"
#include "scheduler/random_ranker.h"
#include "scheduler/spread_ranker.h"

namespace gantry::scheduler {

std::vector<std::unique_ptr<const Ranker>> make_rankers(
    const std::vector<PlacementStrategy>& strategies) {
  if (strategies.size() > kMaxStrategies)
    throw core::invalid_parameter("Too many placement strategies: at most " +
                                  std::to_string(kMaxStrategies) + " are allowed, " +
                                  std::to_string(strategies.size()) + " were given.");
  std::vector<std::unique_ptr<const Ranker>> rankers;
  for (const auto& strategy : strategies) {
    if (strategy.type == "binpack") {
      rankers.push_back(make_binpack_ranker(strategy.field));
    } else if (strategy.type == "spread") {
      rankers.push_back(make_spread_ranker(strategy.field));
    } else if (strategy.type == "random") {
      rankers.push_back(make_random_ranker());
    } else {
      throw core::invalid_parameter("Invalid placement strategy type '" + strategy.type +
                                    "': expected binpack, spread or random.");
    }
  }
  if (rankers.empty()) rankers.push_back(make_random_ranker());
  return rankers;
}

}  // namespace gantry::scheduler
