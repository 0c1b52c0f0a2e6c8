#include "scheduler/random_ranker.h"

#include <cstdint>

namespace gantry::scheduler {
namespace {

class RandomRanker final : public Ranker {
 public:
  std::vector<size_t> narrow(const std::vector<InstanceView>&,
                             const std::vector<size_t>& candidates, const std::string&,
                             core::Random& random) const override {
    if (candidates.size() == 1) return candidates;  // draws nothing it need not
    return {candidates[uniform_index(random, candidates.size())]};
  }
};

}  // namespace

size_t uniform_index(core::Random& random, size_t n) {
  const uint64_t bound = n;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;  // rejection keeps it uniform
  uint64_t v = random.next();
  while (v >= limit) v = random.next();
  return static_cast<size_t>(v % bound);
}

std::unique_ptr<const Ranker> make_random_ranker() { return std::make_unique<RandomRanker>(); }

}  // namespace gantry::scheduler
