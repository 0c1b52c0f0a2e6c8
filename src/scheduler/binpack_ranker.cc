#include "scheduler/binpack_ranker.h"

#include "core/error.h"

namespace gantry::scheduler {
namespace {

class BinpackRanker final : public Ranker {
 public:
  explicit BinpackRanker(bool memory) : memory_(memory) {}

  std::vector<size_t> narrow(const std::vector<InstanceView>& instances,
                             const std::vector<size_t>& candidates, const std::string&,
                             core::Random&) const override {
    // Every candidate fits the same task, so least left before placing is
    // least left after.
    return keep_lowest(candidates, [&](size_t i) {
      return memory_ ? instances[i].remaining_memory : instances[i].remaining_cpu;
    });
  }

 private:
  bool memory_;
};

}  // namespace

std::unique_ptr<const Ranker> make_binpack_ranker(std::string_view field) {
  if (field != "cpu" && field != "memory")
    throw core::invalid_parameter("Invalid placement strategy field '" + std::string(field) +
                                  "' for binpack: expected cpu or memory.");
  return std::make_unique<BinpackRanker>(field == "memory");
}

}  // namespace gantry::scheduler
