#pragma once
// Turns the ECS documents the control plane pushes (the registered
// TaskDefinition and the task's TaskOverride, botocore shapes) into the
// TaskSpec a runner acts on. The agent persists the documents, not the
// spec, and resolves again after a restart.
#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/task_spec.h"

namespace gantry::agent {

// `task_arn` is "arn:aws:ecs:<region>:<account>:task/<cluster>/<id>".
// ECS defaults apply where the definition is silent: essential true,
// stopTimeout 30 s, healthCheck interval 30 s, timeout 5 s, retries 3,
// startPeriod 0. Task-level cpu and memory take ECS's string forms ("256",
// "1 vCPU", "0.5GB"). Container overrides replace command, cpu, memory and
// memoryReservation and merge environment by name (the override wins; new
// names are appended); environmentFiles and resourceRequirements are not
// acted on. `gpu_ids_by_container` (container name -> ids) carries the GPUs
// the control plane assigned (the task's containers[].gpuIds).
//
// Throws core::ApiError (InvalidParameterException) when a member has the
// wrong type, a size string cannot be read, an override, a dependsOn, a
// volumesFrom or a GPU assignment names a container the definition does not
// have, a mountPoint names a volume it does not have, a volume has more than
// one kind (or one this agent cannot provide: FSx, S3 Files), or a tmpfs size,
// sharedMemorySize or restartAttemptPeriod is negative.
TaskSpec resolve_task_spec(
    std::string_view task_arn, const boost::json::object& task_definition,
    const boost::json::object& overrides,
    const std::map<std::string, std::vector<std::string>>& gpu_ids_by_container = {});

}  // namespace gantry::agent
