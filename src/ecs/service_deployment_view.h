#pragma once
// ECS's ServiceDeployment and ServiceRevision shapes, derived from a
// service's stored deployments: each deployment ecs-svc/<N> is the service
// revision .../service-revision/<cluster>/<service>/<N> and the service
// deployment .../service-deployment/<cluster>/<service>/<N> (as Terraform
// matches them: the revision ARN holds the deployment's number). A
// deployment the controller has dropped (INACTIVE) is no longer found.
#include <boost/json.hpp>

#include <string_view>

#include "state/cluster_state.h"

namespace gantry::ecs {

// The deployment of `service` whose number is `number`; null when none.
const boost::json::object* find_deployment(const state::ServiceRecord& service,
                                           std::string_view number);

// ServiceDeploymentStatus from a deployment's status and rolloutState:
// COMPLETED is SUCCESSFUL, IN_PROGRESS while PRIMARY, STOPPED once
// superseded unfinished or FAILED.
std::string_view service_deployment_status(const boost::json::object& deployment);

boost::json::object render_service_deployment(const state::ClusterState& state,
                                              const state::ServiceRecord& service,
                                              const boost::json::object& deployment);
// The ServiceDeploymentBrief ListServiceDeployments answers.
boost::json::object render_service_deployment_brief(const state::ServiceRecord& service,
                                                    const boost::json::object& deployment);
boost::json::object render_service_revision(const state::ClusterState& state,
                                            const state::ServiceRecord& service,
                                            const boost::json::object& deployment);

}  // namespace gantry::ecs
