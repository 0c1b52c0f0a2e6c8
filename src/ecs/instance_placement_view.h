#pragma once
// The scheduler's view of a container instance, built from the state at the
// moment of a placement (inside the single writer, so it cannot go stale).

#include "ecs/container_instance_view.h"
#include "scheduler/placement.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

scheduler::InstanceView instance_view(const state::ClusterState& state,
                                      const state::ContainerInstanceRecord& instance);

// The two halves of it: what describes the instance (changes only with its
// record, agentConnected included) and what its tasks leave it.
scheduler::InstanceView described_instance(const state::ContainerInstanceRecord& instance);
// Without devices: the view keeps its ports and GPUs.
void apply_usage(scheduler::InstanceView& view, InstanceUsage usage, bool with_devices = true);

}  // namespace gantry::ecs
