#pragma once
// CreateTaskSet, UpdateTaskSet, DeleteTaskSet and
// UpdateServicePrimaryTaskSet as commands run inside the single writer, on
// services whose deploymentController is EXTERNAL or CODE_DEPLOY. Each
// answers the service's record as a change and the task set as ECS answers
// it; a refusal throws core::ApiError and changes nothing. None starts or
// stops a task: the service controller keeps each task set at its computed
// count.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct CreateTaskSet {
  boost::json::object request;  // ECS's CreateTaskSetRequest, checked against the model
};

// A task set named by its service: cluster and service names or ARNs, the
// task set's id or ARN.
struct TaskSetRef {
  std::string cluster;
  std::string service;
  std::string task_set;
};

struct UpdateTaskSet {
  TaskSetRef ref;
  boost::json::object scale;  // ECS's Scale
};

struct DeleteTaskSet {
  TaskSetRef ref;
  bool force = false;  // delete one not scaled down to zero
};

struct UpdateServicePrimaryTaskSet {
  TaskSetRef ref;  // the task set to make PRIMARY
};

struct TaskSetWritten {
  std::vector<state::Change> changes;  // empty when nothing changed
  boost::json::object task_set;        // the ECS TaskSet shape, tags included
};

TaskSetWritten create_task_set(const Context& context, const CreateTaskSet& command);
TaskSetWritten update_task_set(const Context& context, const UpdateTaskSet& command);
TaskSetWritten delete_task_set(const Context& context, const DeleteTaskSet& command);
TaskSetWritten update_service_primary_task_set(const Context& context,
                                               const UpdateServicePrimaryTaskSet& command);

// The service of an ACTIVE cluster that may hold task sets: ECS's
// ServiceNotFoundException, ServiceNotActiveException, and its
// InvalidParameterException for a service of the ECS deployment controller.
const state::ServiceRecord& task_set_service(const state::ClusterState& state,
                                             const std::string& cluster,
                                             const std::string& service);

// ECS's answer to a task set operation on a service of the ECS controller.
inline constexpr std::string_view kTaskSetsNeedExternalController =
    "Amazon ECS only supports task set management on services configured to use external "
    "deployment controllers.";

}  // namespace gantry::ecs
