#pragma once
// Services as the API shows and finds them.
#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "state/cluster_state.h"

namespace gantry::ecs {

// A service's tasks as ECS counts them: RUNNING, and those not yet running
// (PROVISIONING, PENDING, ACTIVATING).
struct ServiceTaskCounts {
  int64_t running = 0;
  int64_t pending = 0;
};
// The tasks of the service `name` (group "service:<name>").
ServiceTaskCounts service_task_counts(const state::ClusterState& state, std::string_view cluster,
                                      std::string_view name);
// The tasks a deployment started (startedBy its id).
ServiceTaskCounts deployment_task_counts(const state::ClusterState& state, std::string_view cluster,
                                         std::string_view deployment_id);

// The group of a service's tasks, as on ECS.
std::string service_group(std::string_view name);

// The ECS Service shape with its counts and current service revisions;
// "tags" only when asked for (DescribeServices' include: TAGS).
boost::json::object render_service(const state::ClusterState& state,
                                   const state::ServiceRecord& service, bool include_tags);

// The name a service identifier (a name, or an ARN in the long format
// service/<cluster>/<name> or the short service/<name>) names; empty when
// it is an ARN of another kind or of another cluster.
std::string service_name_from(std::string_view identifier, std::string_view cluster);

// The service of `cluster` so named; null when there is none.
const state::ServiceRecord* find_service(const state::ClusterState& state, std::string_view cluster,
                                         std::string_view identifier);

}  // namespace gantry::ecs
