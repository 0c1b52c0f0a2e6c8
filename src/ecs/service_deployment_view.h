#pragma once
// ECS's ServiceDeployment and ServiceRevision shapes, derived from a
// service's stored deployments: each deployment ecs-svc/<N> is the service
// revision .../service-revision/<cluster>/<service>/<N> and the service
// deployment .../service-deployment/<cluster>/<service>/<N> (as Terraform
// matches them: the revision ARN holds the deployment's number). A
// deployment the controller has dropped (INACTIVE) is still a service
// deployment, from the service's history, but no longer a revision.
#include <boost/json.hpp>

#include <optional>
#include <string_view>
#include <vector>

#include "state/cluster_state.h"

namespace gantry::ecs {

// The deployment of `service` whose number is `number`; null when none.
const boost::json::object* find_deployment(const state::ServiceRecord& service,
                                           std::string_view number);

// A service deployment: a deployment the service shows, or one from its
// history (service_deployments.h).
struct ServiceDeploymentEntry {
  const boost::json::object* deployment = nullptr;  // the Deployment shape
  const boost::json::object* memory = nullptr;      // what it went through; may be null
  std::string_view final_status;                    // from the history: how it ended
};

// The service deployment whose number is `number`, live or past.
std::optional<ServiceDeploymentEntry> find_service_deployment(const state::ServiceRecord& service,
                                                              std::string_view number);
// Every service deployment of `service`: the live ones, then its history.
std::vector<ServiceDeploymentEntry> service_deployments(const state::ServiceRecord& service);
ServiceDeploymentEntry live_entry(const state::ServiceRecord& service,
                                  const boost::json::object& deployment);

// ECS's ServiceDeploymentStatus. From the deployment and what it went
// through: a stop asked for is STOP_REQUESTED or ROLLBACK_REQUESTED until
// the scheduler acts; a rollback is ROLLBACK_IN_PROGRESS until the revision
// it returned to completes (ROLLBACK_SUCCESSFUL) or fails, or when there was
// none (ROLLBACK_FAILED); an ABORT is STOPPED. Otherwise COMPLETED is
// SUCCESSFUL, IN_PROGRESS while PRIMARY, STOPPED once superseded unfinished
// or FAILED.
std::string service_deployment_status(const state::ServiceRecord& service,
                                      const ServiceDeploymentEntry& entry);
// Whether a service deployment in `status` has finished (ECS's "Completed"
// stage: SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED).
bool service_deployment_finished(std::string_view status);

boost::json::object render_service_deployment(const state::ClusterState& state,
                                              const state::ServiceRecord& service,
                                              const ServiceDeploymentEntry& entry);
// The ServiceDeploymentBrief ListServiceDeployments answers.
boost::json::object render_service_deployment_brief(const state::ServiceRecord& service,
                                                    const ServiceDeploymentEntry& entry);
boost::json::object render_service_revision(const state::ClusterState& state,
                                            const state::ServiceRecord& service,
                                            const boost::json::object& deployment);

}  // namespace gantry::ecs
