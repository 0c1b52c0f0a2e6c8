#include "ecs/task_reports.h"

#include <map>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/lookups.h"
#include "model/task_lifecycle.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;
using state::ClusterState;
using state::TaskRecord;

void check_report(const TaskReport& report) {
  if (!report.status.empty() && !model::parse_task_status(report.status)) {
    throw core::invalid_parameter("Unknown task status '" + report.status + "'.");
  }
}

std::vector<state::Change> report_task_state(const Context& context,
                                             const TaskStateReport& command) {
  std::string cluster = active_cluster(context.state, command.cluster).name();
  const TaskRecord* task = find_task(context.state, cluster, command.task);
  if (!task) {
    throw core::invalid_parameter("The referenced task '" + command.task + "' was not found.");
  }
  check_report(command.report);
  auto next = apply_report(*task, command.report, context.now_seconds());
  if (!next) return {};
  return {state::put_change(state::task_key(cluster, task->id()), std::move(*next))};
}

std::vector<state::Change> report_task_states(const Context& context, const std::string& cluster,
                                              const TaskReports& reports) {
  std::map<std::string, TaskRecord> updated;  // by task id
  const double now = context.now_seconds();
  for (const auto& [id, report] : reports) {
    auto earlier = updated.find(id);
    const TaskRecord* task =
        earlier != updated.end() ? &earlier->second : context.state.task(cluster, id);
    if (!task) continue;
    if (auto next = apply_report(*task, report, now)) {
      updated.insert_or_assign(id, std::move(*next));
    }
  }
  std::vector<state::Change> changes;
  for (auto& [id, task] : updated) {
    changes.push_back(state::put_change(state::task_key(cluster, id), std::move(task)));
  }
  return changes;
}

std::vector<state::Change> report_task_address(const Context& context, const std::string& cluster,
                                               const std::string& task_id,
                                               const std::string& private_ipv4_address) {
  const TaskRecord* task = context.state.task(cluster, task_id);
  if (!task) return {};
  auto next = apply_address(*task, private_ipv4_address);
  if (!next) return {};
  return {state::put_change(state::task_key(cluster, task_id), std::move(*next))};
}

std::vector<state::Change> report_attachment_states(const Context& context,
                                                    const std::string& cluster_name,
                                                    const std::vector<AttachmentReport>& reports) {
  const ClusterState& state = context.state;
  std::string cluster = active_cluster(state, cluster_name).name();
  std::vector<state::Change> changes;
  for (const auto& [arn, status] : reports) {
    std::string id(core::arn_last_segment(arn));
    bool found = false;
    for (const auto& [task_id, task] : state.tasks(cluster)) {
      if (id.empty() || task->doc_text().find(id) == std::string::npos) continue;  // parse less
      json::object doc = task->doc();
      bool changed = false;
      for (auto& a : doc["attachments"].as_array()) {
        if (string_member(a.as_object(), "id") != id) continue;
        a.as_object()["status"] = status;
        changed = true;
      }
      if (!changed) continue;
      found = true;
      TaskRecord next = *task;
      next.set_doc(doc);
      changes.push_back(state::put_change(state::task_key(cluster, task->id()), std::move(next)));
    }
    if (!found) throw core::invalid_parameter("The attachment '" + arn + "' was not found.");
  }
  return changes;
}

}  // namespace gantry::ecs
