#pragma once
// Tasks as the API shows and finds them.
#include <boost/json.hpp>

#include "state/cluster_state.h"

namespace gantry::ecs {

// The ECS Task shape; "tags" only when asked for (include: TAGS).
boost::json::object render_task(const state::TaskRecord& task, bool include_tags);

// A task definition named as RunTask names it (family, family:revision or
// ARN). Throws ClientException when there is no such definition to run.
const state::TaskDefinitionRecord& runnable_task_definition(const state::ClusterState& state,
                                                            std::string_view identifier);

}  // namespace gantry::ecs
