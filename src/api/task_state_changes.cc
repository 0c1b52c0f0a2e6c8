// SubmitTaskStateChange, SubmitContainerStateChange,
// SubmitAttachmentStateChanges: how agents report what their tasks did.
#include "api/task_state_changes.h"

#include <map>

#include "api/handler_support.h"
#include "api/task_transitions.h"
#include "model/task_lifecycle.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::TaskRecord;

namespace {

std::optional<double> optional_time(const json::object& body, std::string_view name) {
  auto* v = body.if_contains(name);
  if (v && v->is_number()) return v->to_number<double>();
  return std::nullopt;
}

ContainerReport container_report(const json::object& change) {
  ContainerReport report;
  report.name = string_member(change, "containerName");
  report.runtime_id = string_member(change, "runtimeId");
  report.status = string_member(change, "status");
  if (auto* code = change.if_contains("exitCode"); code && code->is_int64()) {
    report.exit_code = code->get_int64();
  }
  report.reason = string_member(change, "reason");
  if (auto* bindings = array_member(change, "networkBindings")) report.network_bindings = *bindings;
  return report;
}

const TaskRecord& reported_task(const ClusterState& state, const json::object& body,
                                std::string& cluster) {
  cluster = active_cluster(state, body).name();
  std::string identifier = string_member(body, "task");
  const TaskRecord* task = state.task(cluster, scoped_id_from(identifier, "task", cluster));
  if (!task) throw core::invalid_parameter("The referenced task '" + identifier + "' was not found.");
  return *task;
}

state::Outcome submit_task_state_change(const RequestContext& context, const ClusterState& state) {
  std::string cluster;
  const TaskRecord& task = reported_task(state, context.body, cluster);
  return apply_task_report(cluster, task, task_report_from(context.body),
                           core::to_epoch_seconds(context.now),
                           json::object{{"acknowledgment", "ACK"}});
}

state::Outcome submit_container_state_change(const RequestContext& context,
                                             const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster;
  const TaskRecord& task = reported_task(state, body, cluster);
  TaskReport report;
  report.containers.push_back(container_report(body));
  return apply_task_report(cluster, task, report, core::to_epoch_seconds(context.now),
                           json::object{{"acknowledgment", "ACK"}});
}

state::Outcome submit_attachment_state_changes(const RequestContext& context,
                                               const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  std::vector<state::Change> changes;
  for (const auto& item : *array_member(body, "attachments")) {
    std::string arn = string_member(item.as_object(), "attachmentArn");
    std::string id = arn.substr(arn.rfind('/') + 1);
    std::string status = string_member(item.as_object(), "status");
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
  return {std::move(changes), json::object{{"acknowledgment", "ACK"}}};
}

}  // namespace

state::Outcome apply_task_report(const std::string& cluster, const TaskRecord& task,
                                 const TaskReport& report, double now, json::object response) {
  auto next = apply_report(task, report, now);
  if (!next) return {{}, std::move(response)};
  return {{state::put_change(state::task_key(cluster, task.id()), std::move(*next))},
          std::move(response)};
}

TaskReport task_report_from(const json::object& body) {
  TaskReport report;
  report.status = string_member(body, "status");
  if (!report.status.empty() && !model::parse_task_status(report.status)) {
    throw core::invalid_parameter("Unknown task status '" + report.status + "'.");
  }
  report.reason = string_member(body, "reason");
  report.pull_started_at = optional_time(body, "pullStartedAt");
  report.pull_stopped_at = optional_time(body, "pullStoppedAt");
  report.execution_stopped_at = optional_time(body, "executionStoppedAt");
  if (auto* containers = array_member(body, "containers")) {
    for (const auto& c : *containers) {
      if (!c.is_object()) throw core::invalid_parameter("A container report is not an object.");
      report.containers.push_back(container_report(c.get_object()));
    }
  }
  return report;
}

state::Outcome apply_task_reports(const ClusterState& state, const std::string& cluster,
                                  const std::vector<std::pair<std::string, TaskReport>>& reports,
                                  double now) {
  std::map<std::string, TaskRecord> updated;  // by task id
  for (const auto& [id, report] : reports) {
    auto earlier = updated.find(id);
    const TaskRecord* task = earlier != updated.end() ? &earlier->second : state.task(cluster, id);
    if (!task) continue;
    if (auto next = apply_report(*task, report, now))
      updated.insert_or_assign(id, std::move(*next));
  }
  state::Outcome outcome;
  for (auto& [id, task] : updated) {
    outcome.changes.push_back(state::put_change(state::task_key(cluster, id), std::move(task)));
  }
  return outcome;
}

void register_task_state_change_handlers(Router& router, Services services) {
  router.add("SubmitTaskStateChange", write_handler(services, submit_task_state_change));
  router.add("SubmitContainerStateChange", write_handler(services, submit_container_state_change));
  router.add("SubmitAttachmentStateChanges",
             write_handler(services, submit_attachment_state_changes));
}

}  // namespace gantry::api
