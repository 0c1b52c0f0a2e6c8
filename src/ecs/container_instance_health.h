#pragma once
// What DescribeContainerInstances shows with include CONTAINER_INSTANCE_HEALTH:
// ECS's ContainerInstanceHealthStatus, from the agent's channel (the
// CONTAINER_RUNTIME check) and, on an instance whose agent watches its GPUs,
// their health (the ACCELERATED_COMPUTE check: IMPAIRED with XID_<n> and the
// like as its statusReason).
#include <boost/json.hpp>

#include "state/records.h"

namespace gantry::ecs {

boost::json::object instance_health(const state::ContainerInstanceRecord& instance,
                                    bool agent_connected);

}  // namespace gantry::ecs
