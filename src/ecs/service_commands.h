#pragma once
// CreateService, UpdateService, DeleteService and StopServiceDeployment as
// commands run inside the single writer. Each answers the service's record as a change and its
// document as ECS answers it; a refusal throws core::ApiError and changes
// nothing. None starts or stops a task: the service controller does, from
// the deployments these write.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct CreateService {
  boost::json::object request;  // ECS's CreateServiceRequest, checked against the model
  std::string created_by;       // the principal's ARN (the Service's createdBy)
};

struct UpdateService {
  boost::json::object request;  // ECS's UpdateServiceRequest
};

struct DeleteService {
  std::string cluster = "default";  // a name or ARN
  std::string service;              // a name or ARN
  bool force = false;               // delete a REPLICA service not scaled to 0
};

// A service deployment, named by its ARN's parts.
struct StopServiceDeployment {
  std::string cluster;                 // a name
  std::string service;                 // a name
  std::string number;                  // the deployment's: ecs-svc/<number>
  std::string stop_type = "ROLLBACK";  // ROLLBACK | ABORT; ECS's default is ROLLBACK
};

struct ServiceWritten {
  std::vector<state::Change> changes;  // empty when nothing changed (an idempotent repeat)
  boost::json::object service;         // the ECS Service shape, tags included
};

ServiceWritten create_service(const Context& context, const CreateService& command);
ServiceWritten update_service(const Context& context, const UpdateService& command);
ServiceWritten delete_service(const Context& context, const DeleteService& command);
// Asks the service scheduler to stop an IN_PROGRESS service deployment
// (service_deployment_stop.cc); answers the service as it is then.
ServiceWritten stop_service_deployment(const Context& context,
                                       const StopServiceDeployment& command);

// The change that stores `record` under its key.
state::Change service_change(state::ServiceRecord record);

}  // namespace gantry::ecs
