#include "api/placement_indexes.h"

#include "api/instance_placement_view.h"

namespace gantry::api {

scheduler::PlacementIndex& PlacementIndexes::of(const state::ClusterState& draft,
                                                std::string_view cluster) {
  auto [it, fresh] = clusters_.try_emplace(std::string(cluster));
  ClusterIndex& entry = it->second;
  if (fresh) {
    for (const auto& [id, instance] : draft.instances(cluster)) entry.stale.insert(id);
  }
  for (const auto& id : entry.stale) {
    const state::ContainerInstanceRecord* instance = draft.instance(cluster, id);
    if (!instance || instance->status() == "INACTIVE") {
      entry.index.remove(id);
      entry.registered.erase(id);
    } else {
      refresh(draft, entry, *instance);
    }
  }
  entry.stale.clear();
  return entry.index;
}

void PlacementIndexes::refresh(const state::ClusterState& draft, ClusterIndex& cluster,
                               const state::ContainerInstanceRecord& instance) {
  std::string id = instance.id();
  auto [it, fresh] = cluster.registered.try_emplace(id);
  if (fresh) it->second = registered_resources(instance.doc);
  const RegisteredResources& registered = it->second;
  auto take_usage = [&](scheduler::InstanceView& view) {
    view.agent_connected = presence_.connected(view.arn);
    apply_usage(view, usage_of(registered, draft.holdings(instance.cluster, id)));
  };
  // Only its tasks changed: the stored view keeps what describes it.
  if (!fresh && cluster.index.update(id, take_usage)) return;
  scheduler::InstanceView view = described_instance(instance, presence_);
  take_usage(view);
  cluster.index.upsert(std::move(view));
}

void PlacementIndexes::touched(const state::ClusterState&, const state::TouchedInstance& instance) {
  if (auto it = clusters_.find(instance.cluster); it != clusters_.end()) {
    it->second.stale.insert(instance.instance_id);
    if (instance.own_record) it->second.registered.erase(instance.instance_id);
  }
}

void PlacementIndexes::reset(const state::ClusterState&) { clusters_.clear(); }

}  // namespace gantry::api
