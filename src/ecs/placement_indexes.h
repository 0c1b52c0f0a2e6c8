#pragma once
// The placement indexes of the writer's draft: one scheduler::PlacementIndex
// per cluster for its EC2 capacity, and one for the FARGATE pool that every
// cluster draws on. Each is built on its first placement, then kept up to
// date instance by instance as the draft's changes touch them (an instance
// is re-read once before the next placement, however many of its tasks
// changed). RunTask's mutations read them; both run on the writer thread
// only, which is what makes them safe without a lock.
#include <map>
#include <optional>
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
  // The FARGATE pool's: every registered host that offers FARGATE capacity,
  // whichever cluster it registered in. Its views count no task groups:
  // FARGATE placement takes no constraints or strategies.
  scheduler::PlacementIndex& fargate_pool(const state::ClusterState& draft);

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
    bool pool = false;    // the FARGATE pool's
    std::string cluster;  // whose task groups the views count; empty for the pool
    scheduler::PlacementIndex index;
    core::StringSet stale;        // instances whose record changed: read again whole
    core::StringSet tasks_stale;  // instances whose tasks alone changed
    core::StringMap<Registered> registered;
  };

  // Brings the stale instances of `entry` up to date; `record` finds an
  // instance's record by id (null: it left the index).
  template <class Find>
  scheduler::PlacementIndex& catch_up(const state::ClusterState& draft, ClusterIndex& entry,
                                      const Find& record);
  // The instance's whole view, unless the index is the pool and the
  // instance offers no FARGATE capacity.
  void refresh(const state::ClusterState& draft, ClusterIndex& entry,
               const state::ContainerInstanceRecord& instance);
  // Only what its tasks leave it.
  void refresh_usage(const state::ClusterState& draft, ClusterIndex& entry, const std::string& id);
  void take_usage(scheduler::InstanceView& view, Registered& registered,
                  const state::InstanceHoldings& held, std::string_view cluster,
                  bool whole) const;
  static void mark(ClusterIndex& entry, const state::TouchedInstance& instance);

  std::map<std::string, ClusterIndex, std::less<>> clusters_;
  std::optional<ClusterIndex> pool_;
};

}  // namespace gantry::ecs
