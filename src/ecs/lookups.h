#pragma once
// Finding what a command names, as ECS refuses what it cannot find.
#include <string_view>

#include "state/cluster_state.h"

namespace gantry::ecs {

// A cluster named by name or ARN, which must exist and be ACTIVE; throws
// ClusterNotFoundException.
const state::ClusterRecord& active_cluster(const state::ClusterState& state,
                                           std::string_view cluster);

// A task or container instance of `cluster` named by id or ARN; null when
// there is none. Throws InvalidParameterException for an ARN of another
// kind or cluster.
const state::TaskRecord* find_task(const state::ClusterState& state, std::string_view cluster,
                                   std::string_view identifier);
const state::ContainerInstanceRecord* find_instance(const state::ClusterState& state,
                                                    std::string_view cluster,
                                                    std::string_view identifier);

}  // namespace gantry::ecs
