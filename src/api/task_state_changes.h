#pragma once
// Applying an agent's report to a task, shared by the Submit*StateChange
// operations and the agent channel (which carries health).
#include <boost/json.hpp>

#include "api/task_transitions.h"
#include "state/control_state.h"

namespace gantry::api {

// The change a report makes (none when it changes nothing), answering `response`.
state::Outcome apply_task_report(const std::string& cluster, const state::TaskRecord& task,
                                 const TaskReport& report, double now,
                                 boost::json::object response);

}  // namespace gantry::api
