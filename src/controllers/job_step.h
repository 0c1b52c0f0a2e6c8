#pragma once
// The writer's half of the job controller: plans the job again against the
// latest state (the reconcile's view may be stale by the time it runs) and
// carries the step out: the tasks stopped or launched, the GPU request
// opened on the instance, and the job's record moved, in one outcome.
#include <string>

#include "ecs/context.h"
#include "state/control_state.h"

namespace gantry::controllers {

// How the operator has jobs checked (`gantry server` and `gantry dev` flags).
struct JobSettings {
  // --gpu-diagnostic-task-definition: the diagnostic runs as a task of this
  // definition on the instance, with the GPUs in question (ecs/job_checks.h).
  // Empty, or when its task cannot start there: the instance's agent
  // diagnoses (its --gpu-diagnostic-command, else an NVML check).
  std::string diagnostic_task_definition;
};

state::Outcome advance_job(const ecs::Context& context, const std::string& cluster,
                           const std::string& job_id, const JobSettings& settings = {});

}  // namespace gantry::controllers
