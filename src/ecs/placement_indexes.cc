#include "ecs/placement_indexes.h"

#include "ecs/instance_placement_view.h"
#include "model/instance_lifecycle.h"

namespace gantry::ecs {

scheduler::PlacementIndex& PlacementIndexes::of(const state::ClusterState& draft,
                                                std::string_view cluster) {
  auto [it, fresh] = clusters_.try_emplace(std::string(cluster));
  ClusterIndex& entry = it->second;
  if (fresh) {
    for (const auto& [id, instance] : draft.instances(cluster)) entry.stale.insert(id);
  }
  for (const auto& id : entry.stale) {
    entry.tasks_stale.erase(id);
    const state::ContainerInstanceRecord* instance = draft.instance(cluster, id);
    if (!instance || !model::is_registered(instance->status())) {
      entry.index.remove(id);
      entry.registered.erase(id);
    } else {
      refresh(draft, entry, *instance);
    }
  }
  for (const auto& id : entry.tasks_stale) refresh_usage(draft, entry, cluster, id);
  entry.stale.clear();
  entry.tasks_stale.clear();
  return entry.index;
}

void PlacementIndexes::refresh(const state::ClusterState& draft, ClusterIndex& cluster,
                               const state::ContainerInstanceRecord& instance) {
  std::string id = instance.id();
  auto [it, fresh] = cluster.registered.try_emplace(id);
  if (fresh) it->second.resources = registered_resources(instance.doc);
  scheduler::InstanceView view = described_instance(instance);
  take_usage(view, it->second, draft.holdings(instance.cluster, id), true);
  cluster.index.upsert(std::move(view));
}

// Only its tasks changed: the view keeps what describes the instance, and
// the ports and GPUs too unless the holdings' changed.
void PlacementIndexes::refresh_usage(const state::ClusterState& draft, ClusterIndex& cluster,
                                     std::string_view cluster_name, const std::string& id) {
  auto registered = cluster.registered.find(id);
  if (registered == cluster.registered.end()) return;  // not in the index
  const state::InstanceHoldings& held = draft.holdings(cluster_name, id);
  cluster.index.update(id, [&](scheduler::InstanceView& view) {
    take_usage(view, registered->second, held, false);
  });
}

void PlacementIndexes::take_usage(scheduler::InstanceView& view, Registered& registered,
                                  const state::InstanceHoldings& held, bool whole) const {
  const bool devices = whole || registered.devices_generation != held.devices_generation;
  apply_usage(view, usage_of(registered.resources, held, devices), devices);
  registered.devices_generation = held.devices_generation;
}

void PlacementIndexes::touched(const state::ClusterState&, const state::TouchedInstance& instance) {
  if (auto it = clusters_.find(instance.cluster); it != clusters_.end()) {
    if (instance.own_record) {
      it->second.stale.insert(instance.instance_id);
      // What it registered is the same when only its connection changed.
      if (!instance.connection_only) it->second.registered.erase(instance.instance_id);
    } else {
      it->second.tasks_stale.insert(instance.instance_id);
    }
  }
}

void PlacementIndexes::reset(const state::ClusterState&) { clusters_.clear(); }

}  // namespace gantry::ecs
