#pragma once
// A rank stage: one placement strategy. Strategies apply in order, each
// keeping the feasible instances it likes best; ties fall to the next.
#include <string>
#include <vector>

#include "core/random.h"
#include "scheduler/placement.h"

namespace gantry::scheduler {

class Ranker {
 public:
  virtual ~Ranker() = default;

  // `candidates` are indices into `instances`, ascending and never empty;
  // returns a non-empty subset of them, still ascending. `group` is the
  // group the new task joins.
  virtual std::vector<size_t> narrow(const std::vector<InstanceView>& instances,
                                     const std::vector<size_t>& candidates,
                                     const std::string& group, core::Random& random) const = 0;
};

// The candidates whose score is lowest.
template <typename Score>
std::vector<size_t> keep_lowest(const std::vector<size_t>& candidates, Score score) {
  std::vector<size_t> best;
  decltype(score(size_t{})) best_score{};
  for (size_t index : candidates) {
    auto s = score(index);
    if (best.empty() || s < best_score) {
      best.clear();
      best_score = s;
    }
    if (s == best_score) best.push_back(index);
  }
  return best;
}

}  // namespace gantry::scheduler
