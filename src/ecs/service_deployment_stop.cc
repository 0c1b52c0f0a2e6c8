// StopServiceDeployment: "Stops an ongoing service deployment" (API
// reference). ROLLBACK "rolls back the service deployment to the previous
// service revision. You can use this option even if you didn't configure the
// service deployment for the rollback option"; ABORT stops it where it is.
// The command only records the request (the deployment reads
// ROLLBACK_REQUESTED or STOP_REQUESTED); the service scheduler carries it
// out as it does the circuit breaker's rollback.
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployment_view.h"
#include "ecs/service_deployments.h"
#include "ecs/service_view.h"

namespace gantry::ecs {

namespace {

core::ApiError deployment_not_found() {
  return {"ServiceDeploymentNotFoundException", "The service deployment does not exist."};
}

}  // namespace

ServiceWritten stop_service_deployment(const Context& context,
                                       const StopServiceDeployment& command) {
  const state::ServiceRecord* service = context.state.service(command.cluster, command.service);
  if (!service || service->status() != "ACTIVE") throw deployment_not_found();
  auto entry = find_service_deployment(*service, command.number);
  if (!entry) throw deployment_not_found();
  const std::string status = service_deployment_status(*service, *entry);
  // "You can stop a deployment that is in any of the following states":
  // PENDING and IN_PROGRESS move to ROLLBACK_REQUESTED; one already stopping
  // or rolling back "continues" (Developer Guide, "Stopping Amazon ECS
  // service deployments"). A finished one cannot be stopped.
  if (status == "STOP_REQUESTED" || status == "ROLLBACK_REQUESTED" ||
      status == "ROLLBACK_IN_PROGRESS") {
    return {{}, render_service(context.state, *service, true)};
  }
  if (status != "IN_PROGRESS" && status != "PENDING") {
    throw core::ApiError("ConflictException", "The service deployment is " + status +
                                                  " and can no longer be stopped. Only a "
                                                  "service deployment that is PENDING or "
                                                  "IN_PROGRESS can be stopped.");
  }
  state::ServiceRecord updated = *service;
  const std::string id = core::string_member(*entry->deployment, "id");
  deployment_memory(updated, id)["stopRequested"] = command.stop_type;
  return {{service_change(updated)}, render_service(context.state, updated, true)};
}

}  // namespace gantry::ecs
