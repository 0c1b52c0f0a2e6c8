#pragma once
// The scheduler's view of a cluster, built from the state at the moment of
// a placement (inside the single writer, so it cannot go stale).
#include <vector>

#include "scheduler/placement.h"
#include "state/agent_presence.h"
#include "state/cluster_state.h"

namespace gantry::api {

scheduler::InstanceView instance_view(const state::ClusterState& state,
                                      const state::ContainerInstanceRecord& instance,
                                      const state::AgentPresence& presence);

// Every instance of the cluster that is not INACTIVE, in id order.
std::vector<scheduler::InstanceView> placement_snapshot(const state::ClusterState& state,
                                                        std::string_view cluster,
                                                        const state::AgentPresence& presence);

}  // namespace gantry::api
