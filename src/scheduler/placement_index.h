#pragma once
// place() over instances kept across calls: the control plane's writer
// upserts an instance when its tasks change, and a placement reads ordered
// indexes instead of scanning every instance.
//
// Fast paths (the strategies RunTask mostly sees), each with any
// constraints, requiresAttributes and host ports: no strategy or random
// first, binpack cpu|memory, spread instanceId|host. They work on a pool
// (placement_index_pool.h): the instances that pass the request's checks
// other than CPU, memory and GPUs, kept per kind of request and maintained
// by upsert; binpack and spread read the pool's order by their score
// (placement_index_tree.h), so a placement is one O(log n) descent, and
// random draws members of the pool until one has room (a scan of the pool
// once 32 draws miss). Only a call that fails scans every instance, for
// the failures. Other strategies (spread by attribute, chains) go to
// place_indexed(), O(n) per call. Pools and orders are built on first use
// (O(n log n)) and the least recently used are dropped beyond kMaxPools and
// kMaxOrders; a pool costs 8 bytes per instance, an order about 80.
//
// Not thread-safe, place() included: it updates those caches. The control
// plane calls it from its single writer only.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/string_map.h"
#include "scheduler/placement.h"
#include "scheduler/placement_index_pool.h"

namespace gantry::scheduler {

class PlacementIndex {
 public:
  static constexpr size_t kMaxPools = 32;
  static constexpr size_t kMaxOrders = 64;

  // Adds the instance, or replaces the one with the same view.id keeping
  // its slot. New instances get the next slot (slots are positions in
  // instances()). O(log n) per cached order, plus the pools' checks.
  void upsert(InstanceView view);
  // Changes the stored view of a known instance in place (cheaper than an
  // upsert of a copy when only its resources moved); false when the id is
  // unknown or removed.
  bool update(std::string_view id, const std::function<void(InstanceView&)>& change);
  // The instance leaves placement; its slot stays as a tombstone (status
  // INACTIVE, with only its id and ARN, so never eligible and holding no
  // tasks) so that other slots keep their positions. A later upsert of the
  // same id reuses the slot. Unknown ids are ignored.
  void remove(std::string_view id);
  // Every slot in order: the snapshot the decisions refer to
  // (Placement::instance indexes it).
  const std::vector<InstanceView>& instances() const { return instances_; }
  // nullptr for an unknown or removed id; like instances(), valid until the next write.
  const InstanceView* find(std::string_view id) const;

  // place(instances(), request, random)'s contract and decisions for every
  // deterministic strategy (the same slots, GPU ids, failures and
  // exceptions). Random (alone or first, or no strategy) chooses uniformly
  // among the feasible instances, though not with place()'s draws. The
  // index is left as it is: the caller commits the placements, then
  // upserts the instances they changed.
  PlacementResult place(const PlacementRequest& request, core::Random& random) const;

 private:
  Pool& pool_for(const PlacementRequest& request) const;
  const PoolOrder& order_for(Pool& pool, OrderKind kind, const std::string& group) const;
  void refile(uint32_t slot);

  std::vector<InstanceView> instances_;
  std::vector<bool> removed_;
  core::StringMap<uint32_t> slots_;

  // Caches of place(), kept up to date by upsert and remove.
  mutable std::unordered_map<std::string, std::unique_ptr<Pool>> pools_;
  mutable uint64_t clock_ = 0;  // for least recently used
};

}  // namespace gantry::scheduler
