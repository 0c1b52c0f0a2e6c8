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

// The report a SubmitTaskStateChange body makes; throws core::ApiError
// (InvalidParameterException) for an unknown status.
TaskReport task_report_from(const boost::json::object& body);

// Many tasks' reports (task id, report) as one change set, each report
// building on the ones before it; reports of unknown tasks are dropped.
state::Outcome apply_task_reports(const state::ClusterState& state, const std::string& cluster,
                                  const std::vector<std::pair<std::string, TaskReport>>& reports,
                                  double now);

}  // namespace gantry::api
