#pragma once
// A job's checks of the GPUs it suspects (ecs/jobs.h: its "diagnostic" and
// "recovery"): asked of the instance's agent as a GPU request
// (ecs/gpu_requests.h), or, for a diagnostic the operator gave as a task
// definition, run as a task on the instance with those GPUs, ECS's way (a
// DCGM image running `dcgmi diag -r 2`): exit 0 means healthy.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

// The diagnostic task's tag: the job it checks GPUs for.
inline constexpr std::string_view kDiagnosticTag = "gantry:gpu-diagnostic-for";

struct DiagnosticTask {
  std::string task_definition;  // family, family:revision or ARN
  std::string instance_id;
  std::vector<std::string> gpu_ids;
};

struct StartedDiagnostic {
  std::vector<state::Change> changes;  // the task's record; none when it did not start
  std::string task_arn;
  std::string why_not;  // when it did not start: why
};

// Starts the diagnostic task of `job` on the instance, its first essential
// container given exactly those GPUs, out of service or not. A definition
// that cannot run there (unknown, too big, its GPUs held) starts nothing.
StartedDiagnostic start_diagnostic_task(const Context& context, const state::JobRecord& job,
                                        const DiagnosticTask& diagnostic);

// What withdraws the job's checks still PENDING, when the job moves on
// without their answer: a request leaves its instance, a task is stopped.
std::vector<state::Change> withdraw_pending_checks(const Context& context,
                                                   const state::JobRecord& job,
                                                   const std::string& why);

}  // namespace gantry::ecs
