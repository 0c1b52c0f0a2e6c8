#include "ecs/placement_indexes.h"

#include "ecs/instance_placement_view.h"
#include "model/instance_lifecycle.h"

namespace gantry::ecs {

scheduler::PlacementIndex& PlacementIndexes::of(const state::ClusterState& draft,
                                                std::string_view cluster) {
  auto [it, fresh] = clusters_.try_emplace(std::string(cluster));
  ClusterIndex& entry = it->second;
  if (fresh) {
    entry.cluster = cluster;
    for (const auto& [id, instance] : draft.instances(cluster)) entry.stale.insert(id);
  }
  return catch_up(draft, entry, [&](std::string_view id) { return draft.instance(cluster, id); });
}

scheduler::PlacementIndex& PlacementIndexes::fargate_pool(const state::ClusterState& draft) {
  if (!pool_) {
    pool_.emplace();
    pool_->pool = true;
    for (const auto& [id, instance] : draft.hosts()) pool_->stale.insert(id);
  }
  return catch_up(draft, *pool_, [&](std::string_view id) { return draft.host(id); });
}

template <class Find>
scheduler::PlacementIndex& PlacementIndexes::catch_up(const state::ClusterState& draft,
                                                      ClusterIndex& entry, const Find& record) {
  for (const auto& id : entry.stale) {
    entry.tasks_stale.erase(id);
    const state::ContainerInstanceRecord* instance = record(id);
    if (!instance || !model::is_registered(instance->status())) {
      entry.index.remove(id);
      entry.registered.erase(id);
    } else {
      refresh(draft, entry, *instance);
    }
  }
  for (const auto& id : entry.tasks_stale) refresh_usage(draft, entry, id);
  entry.stale.clear();
  entry.tasks_stale.clear();
  return entry.index;
}

void PlacementIndexes::refresh(const state::ClusterState& draft, ClusterIndex& entry,
                               const state::ContainerInstanceRecord& instance) {
  std::string id = instance.id();
  scheduler::InstanceView view = described_instance(instance);
  if (entry.pool && !view.offers_fargate) {
    entry.index.remove(id);
    entry.registered.erase(id);
    return;
  }
  auto [it, fresh] = entry.registered.try_emplace(id);
  if (fresh) it->second.resources = registered_resources(instance);
  take_usage(view, it->second, draft.holdings(id), entry.cluster, true);
  entry.index.upsert(std::move(view));
}

// Only its tasks changed: the view keeps what describes the instance, and
// the ports and GPUs too unless the holdings' changed.
void PlacementIndexes::refresh_usage(const state::ClusterState& draft, ClusterIndex& entry,
                                     const std::string& id) {
  auto registered = entry.registered.find(id);
  if (registered == entry.registered.end()) return;  // not in the index
  const state::InstanceHoldings& held = draft.holdings(id);
  entry.index.update(id, [&](scheduler::InstanceView& view) {
    take_usage(view, registered->second, held, entry.cluster, false);
  });
}

void PlacementIndexes::take_usage(scheduler::InstanceView& view, Registered& registered,
                                  const state::InstanceHoldings& held, std::string_view cluster,
                                  bool whole) const {
  const bool devices = whole || registered.devices_generation != held.devices_generation;
  apply_usage(view, usage_of(registered.resources, held, cluster, devices), devices);
  registered.devices_generation = held.devices_generation;
}

void PlacementIndexes::mark(ClusterIndex& entry, const state::TouchedInstance& instance) {
  if (instance.own_record) {
    entry.stale.insert(instance.instance_id);
    // What it registered is the same when only its connection changed.
    if (!instance.connection_only) entry.registered.erase(instance.instance_id);
  } else {
    entry.tasks_stale.insert(instance.instance_id);
  }
}

void PlacementIndexes::touched(const state::ClusterState&, const state::TouchedInstance& instance) {
  if (auto it = clusters_.find(instance.cluster); it != clusters_.end()) mark(it->second, instance);
  if (pool_) mark(*pool_, instance);
}

void PlacementIndexes::reset(const state::ClusterState&) {
  clusters_.clear();
  pool_.reset();
}

}  // namespace gantry::ecs
