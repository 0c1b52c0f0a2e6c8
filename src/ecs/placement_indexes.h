#pragma once
// The placement indexes of the writer's draft: one scheduler::PlacementIndex
// per cluster, built on the cluster's first placement, then kept up to date
// instance by instance as the draft's changes touch them (an instance is
// re-read once before the next placement, however many of its tasks
// changed). RunTask's mutations read them; both run on the writer thread
// only, which is what makes them safe without a lock.
#include <map>
#include <string>
#include <string_view>

#include "ecs/container_instance_view.h"
#include "core/string_map.h"
#include "scheduler/placement_index.h"
#include "state/control_state.h"

namespace gantry::ecs {

class PlacementIndexes : public state::DraftListener {
 public:
  // Set it as the state's draft listener before the first mutation, and
  // keep it alive until the state is gone.
  PlacementIndexes() = default;
  PlacementIndexes(const PlacementIndexes&) = delete;
  PlacementIndexes& operator=(const PlacementIndexes&) = delete;

  // The cluster's index, up to date with `draft`. Its instances are every
  // instance that is not INACTIVE, as its record describes it (agentConnected
  // included).
  scheduler::PlacementIndex& of(const state::ClusterState& draft, std::string_view cluster);

  void touched(const state::ClusterState& draft, const state::TouchedInstance& instance) override;
  void reset(const state::ClusterState& draft) override;

 private:
  // What an instance registered, parsed once per record rather than at
  // every change of its tasks, and which of its holdings' ports and GPUs
  // its view shows.
  struct Registered {
    RegisteredResources resources;
    uint64_t devices_generation = 0;
  };
  struct ClusterIndex {
    scheduler::PlacementIndex index;
    core::StringSet stale;        // instances whose record changed: read again whole
    core::StringSet tasks_stale;  // instances whose tasks alone changed
    core::StringMap<Registered> registered;
  };

  // Brings the instance's view in the index up to date with the draft:
  // the whole view, or only what its tasks leave it.
  void refresh(const state::ClusterState& draft, ClusterIndex& cluster,
               const state::ContainerInstanceRecord& instance);
  void refresh_usage(const state::ClusterState& draft, ClusterIndex& cluster,
                     std::string_view cluster_name, const std::string& id);
  void take_usage(scheduler::InstanceView& view, Registered& registered,
                  const state::InstanceHoldings& held, bool whole) const;

  std::map<std::string, ClusterIndex, std::less<>> clusters_;
};

}  // namespace gantry::ecs
