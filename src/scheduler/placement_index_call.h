#pragma once
// One PlacementIndex::place() call on a fast path: a pool (the instances
// that pass the request's static checks, as stored) and, for binpack and
// spread, the pool's order for the strategy's score. The index is not
// changed: the instances the call places on get an overlay that counts the
// tasks given to them, from which their resources, groups and key follow.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/random.h"
#include "scheduler/placement.h"
#include "scheduler/placement_index_pool.h"

namespace gantry::scheduler {

class IndexCall {
 public:
  // `order` is null for random.
  IndexCall(const std::vector<InstanceView>& instances, const PlacementRequest& request,
            const Pool& pool, const PoolOrder* order);

  PlacementResult run(core::Random& random);

 private:
  // An instance this call placed on.
  struct Touched {
    int64_t placed = 0;
    int64_t base_score = 0;            // its key's score before the call
    std::optional<InstanceView> view;  // with the call's groups; kept where a query reads them
  };

  std::optional<uint32_t> least();
  std::optional<uint32_t> draw(core::Random& random);
  bool fits(uint32_t slot) const;
  bool touched_fits(uint32_t slot, const Touched& touched) const;
  Placement place_on(uint32_t slot);
  InstanceView working_view(uint32_t slot) const;
  std::vector<Failure> failures() const;

  const std::vector<InstanceView>& instances_;
  const PlacementRequest& request_;
  const Pool& pool_;
  const PoolOrder* order_;
  Resources need_;
  int64_t gpus_per_task_;
  int64_t step_ = 0;  // how one task moves the instance's score

  // The untouched instances' keys do not move during the call, so their
  // least feasible one only ever advances: past each one chosen.
  SlotKey from_;
  std::optional<SlotKey> next_untouched_;
  bool next_found_ = false;

  std::unordered_map<uint32_t, Touched> touched_;
  std::set<SlotKey> touched_keys_;  // the touched instances that still fit
};

}  // namespace gantry::scheduler
