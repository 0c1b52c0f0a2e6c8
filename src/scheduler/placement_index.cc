#include "scheduler/placement_index.h"

#include <algorithm>
#include <optional>

#include "scheduler/constraint_filter.h"
#include "scheduler/indexed_placement.h"
#include "scheduler/placement_index_call.h"
#include "scheduler/strategies.h"

namespace gantry::scheduler {
namespace {

enum class FastPath : uint8_t { Random, BinpackCpu, BinpackMemory, SpreadInstance };

// Strategies after a random one never count: it leaves one candidate.
std::optional<FastPath> fast_path_of(const std::vector<PlacementStrategy>& strategies) {
  if (strategies.empty() || strategies.front().type == "random") return FastPath::Random;
  if (strategies.size() != 1) return std::nullopt;
  const PlacementStrategy& s = strategies.front();
  if (s.type == "binpack") return s.field == "cpu" ? FastPath::BinpackCpu : FastPath::BinpackMemory;
  if (s.field == "instanceId" || s.field == "host") return FastPath::SpreadInstance;
  return std::nullopt;
}

}  // namespace

void PlacementIndex::upsert(InstanceView view) {
  auto [it, added] = slots_.try_emplace(view.id, static_cast<uint32_t>(instances_.size()));
  const uint32_t slot = it->second;
  if (added) {
    instances_.push_back(std::move(view));
    removed_.push_back(false);
  } else {
    instances_[slot] = std::move(view);
    removed_[slot] = false;
  }
  refile(slot);
}

bool PlacementIndex::update(std::string_view id, const std::function<void(InstanceView&)>& change) {
  auto it = slots_.find(id);
  if (it == slots_.end() || removed_[it->second]) return false;
  change(instances_[it->second]);
  refile(it->second);
  return true;
}

void PlacementIndex::remove(std::string_view id) {
  auto it = slots_.find(id);
  if (it == slots_.end() || removed_[it->second]) return;
  const uint32_t slot = it->second;
  InstanceView tombstone;
  tombstone.id = instances_[slot].id;
  tombstone.arn = instances_[slot].arn;
  tombstone.status = "INACTIVE";
  instances_[slot] = std::move(tombstone);
  removed_[slot] = true;
  refile(slot);
}

const InstanceView* PlacementIndex::find(std::string_view id) const {
  auto it = slots_.find(id);
  if (it == slots_.end() || removed_[it->second]) return nullptr;
  return &instances_[it->second];
}

void PlacementIndex::refile(uint32_t slot) {
  for (auto& [key, pool] : pools_) pool->update(slot, instances_[slot]);
}

PlacementResult PlacementIndex::place(const PlacementRequest& request, core::Random& random) const {
  make_rankers(request.strategies);  // validates as place() does, strategies first
  const auto path = fast_path_of(request.strategies);
  if (!path) return place_indexed(instances_, request, random);
  Pool& pool = pool_for(request);  // validates the constraints
  if (request.count <= 0) return {};
  const PoolOrder* order = nullptr;
  switch (*path) {
    case FastPath::Random:
      break;
    case FastPath::BinpackCpu:
      order = &order_for(pool, OrderKind::Cpu, "");
      break;
    case FastPath::BinpackMemory:
      order = &order_for(pool, OrderKind::Memory, "");
      break;
    case FastPath::SpreadInstance:
      order = &order_for(pool, OrderKind::Group, request.group);
      break;
  }
  return IndexCall(instances_, request, pool, order).run(random);
}

Pool& PlacementIndex::pool_for(const PlacementRequest& request) const {
  std::string key = Pool::key_of(request);
  auto it = pools_.find(key);
  if (it == pools_.end()) {
    ConstraintFilter constraints(request.constraints);  // throws before anything is cached
    if (pools_.size() >= kMaxPools) {
      auto oldest = std::min_element(
          pools_.begin(), pools_.end(),
          [](const auto& a, const auto& b) { return a.second->last_used < b.second->last_used; });
      pools_.erase(oldest);
    }
    auto pool = std::make_unique<Pool>(request, std::move(constraints), instances_);
    it = pools_.emplace(std::move(key), std::move(pool)).first;
  }
  it->second->last_used = ++clock_;
  return *it->second;
}

const PoolOrder& PlacementIndex::order_for(Pool& pool, OrderKind kind,
                                           const std::string& group) const {
  PoolOrder* order = pool.find_order(kind, group);
  if (!order) {
    size_t cached = 0;
    for (const auto& [key, p] : pools_) cached += p->orders().size();
    if (cached >= kMaxOrders) {
      // The least recently used order of any pool.
      std::vector<std::unique_ptr<PoolOrder>>* holder = nullptr;
      size_t index = 0;
      for (const auto& [key, p] : pools_) {
        auto& orders = p->orders();
        for (size_t i = 0; i < orders.size(); ++i)
          if (!holder || orders[i]->last_used < (*holder)[index]->last_used) {
            holder = &orders;
            index = i;
          }
      }
      holder->erase(holder->begin() + static_cast<ptrdiff_t>(index));
    }
    order = &pool.add_order(kind, group, instances_);
  }
  order->last_used = ++clock_;
  return *order;
}

}  // namespace gantry::scheduler
