// SubmitTaskStateChange, SubmitContainerStateChange,
// SubmitAttachmentStateChanges: how agents report what their tasks did, as
// ecs/task_reports commands.
#include "api/task_state_changes.h"

#include "api/handler_support.h"
#include "ecs/task_reports.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

std::optional<double> optional_time(const json::object& body, std::string_view name) {
  auto* v = body.if_contains(name);
  if (v && v->is_number()) return v->to_number<double>();
  return std::nullopt;
}

ecs::ContainerReport container_report(const json::object& change) {
  ecs::ContainerReport report;
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

state::Outcome acknowledged(std::vector<state::Change> changes) {
  return {std::move(changes), json::object{{"acknowledgment", "ACK"}}};
}

state::Outcome submit_task_state_change(const RequestContext& context, const ClusterState& state,
                                        const Services& services) {
  ecs::TaskStateReport command{string_member(context.body, "cluster", "default"),
                               string_member(context.body, "task"),
                               task_report_from(context.body)};
  return acknowledged(ecs::report_task_state(ecs_context(context, state, services), command));
}

state::Outcome submit_container_state_change(const RequestContext& context,
                                             const ClusterState& state,
                                             const Services& services) {
  ecs::TaskStateReport command{string_member(context.body, "cluster", "default"),
                               string_member(context.body, "task")};
  command.report.containers.push_back(container_report(context.body));
  return acknowledged(ecs::report_task_state(ecs_context(context, state, services), command));
}

state::Outcome submit_attachment_state_changes(const RequestContext& context,
                                               const ClusterState& state,
                                               const Services& services) {
  std::vector<ecs::AttachmentReport> reports;
  for (const auto& item : *array_member(context.body, "attachments")) {
    reports.push_back({string_member(item.as_object(), "attachmentArn"),
                       string_member(item.as_object(), "status")});
  }
  return acknowledged(ecs::report_attachment_states(
      ecs_context(context, state, services), string_member(context.body, "cluster", "default"),
      reports));
}

}  // namespace

ecs::TaskReport task_report_from(const json::object& body) {
  ecs::TaskReport report;
  report.status = string_member(body, "status");
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

void register_task_state_change_handlers(Router& router, Services services) {
  router.add("SubmitTaskStateChange", write_handler(services, submit_task_state_change));
  router.add("SubmitContainerStateChange",
             write_handler(services, submit_container_state_change));
  router.add("SubmitAttachmentStateChanges",
             write_handler(services, submit_attachment_state_changes));
}

}  // namespace gantry::api
