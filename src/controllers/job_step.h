#pragma once
// The writer's half of the job controller: plans the job again against the
// latest state (the reconcile's view may be stale by the time it runs) and
// carries the step out: the tasks stopped or launched, the GPU request
// opened on the instance, and the job's record moved, in one outcome.
#include <string>

#include "ecs/context.h"
#include "state/control_state.h"

namespace gantry::controllers {

state::Outcome advance_job(const ecs::Context& context, const std::string& cluster,
                           const std::string& job_id);

}  // namespace gantry::controllers
