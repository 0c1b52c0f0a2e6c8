#pragma once
// Jobs begin and begin again here. A RunTask whose tags hold
// gantry:recovery = job starts a job: all of its tasks or none (a job that
// started some of its ranks would wait for the others for ever), and the
// job's record with them. A restart launches the stored request again.
#include <boost/json.hpp>

#include <optional>

#include "ecs/context.h"
#include "ecs/task_launch.h"
#include "state/records.h"

namespace gantry::ecs {

// The attempts a job of these tags may take, or none when the tags do not
// ask for a job. Throws InvalidParameterException for a gantry:recovery
// other than "job" or a gantry:max-attempts that is not 1 to 100.
std::optional<int> job_max_attempts_of(const boost::json::array& tags);

// RunTask's half, after run_tasks: when `request` (RunTask's body) asks for
// a job and tasks were launched, either all of them launched and the job's
// record joins the changes, or none did and every change is dropped.
void start_job(const Context& context, const boost::json::object& request, Launched& launched);

// The tasks of the job's next attempt: its request again, off the
// instances the job avoids when the tasks fit elsewhere.
Launched launch_attempt(const Context& context, const state::JobRecord& job);

}  // namespace gantry::ecs
