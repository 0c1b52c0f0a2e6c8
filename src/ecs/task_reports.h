#pragma once
// What agents report of their tasks (SubmitTaskStateChange,
// SubmitContainerStateChange, SubmitAttachmentStateChanges, and the agent
// channel's task states, health and addresses), applied to the task records.
#include <string>
#include <utility>
#include <vector>

#include "ecs/context.h"
#include "ecs/task_transitions.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

// Throws InvalidParameterException for a report naming an unknown task status.
void check_report(const TaskReport& report);

struct TaskStateReport {
  std::string cluster = "default";  // a name or ARN
  std::string task;                 // an id or ARN
  TaskReport report;
};

// The change the report makes (none when it changes nothing). Throws for an
// inactive cluster, an unknown task or an unknown status.
std::vector<state::Change> report_task_state(const Context& context,
                                             const TaskStateReport& command);

// Many tasks' reports (task id, report) of one cluster (by name) as one
// change set, each report building on the ones before it; reports of
// unknown tasks are dropped.
using TaskReports = std::vector<std::pair<std::string, TaskReport>>;
std::vector<state::Change> report_task_states(const Context& context, const std::string& cluster,
                                              const TaskReports& reports);

// A task's awsvpc address (none when the task is gone or shows it already).
std::vector<state::Change> report_task_address(const Context& context, const std::string& cluster,
                                               const std::string& task_id,
                                               const std::string& private_ipv4_address);

struct AttachmentReport {
  std::string attachment_arn;
  std::string status;
};
// Throws for an inactive cluster or an attachment no task has.
std::vector<state::Change> report_attachment_states(const Context& context,
                                                    const std::string& cluster,
                                                    const std::vector<AttachmentReport>& reports);

}  // namespace gantry::ecs
