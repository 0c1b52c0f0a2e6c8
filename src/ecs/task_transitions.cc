#include "ecs/task_transitions.h"

#include "core/error.h"
#include "core/json_members.h"
#include "model/container_lifecycle.h"
#include "model/task_lifecycle.h"

namespace gantry::ecs {

using core::int_member;
using core::string_member;

namespace json = boost::json;
using model::ContainerStatus;
using model::TaskStatus;

namespace {

// An unknown status counts as PENDING: it moves nothing.
ContainerStatus container_status(std::string_view name) {
  return model::parse_container_status(name).value_or(ContainerStatus::kPending);
}

void set_attachments_status(json::object& doc, std::string_view status) {
  if (auto* attachments = doc.if_contains("attachments"); attachments && attachments->is_array()) {
    for (auto& a : attachments->get_array()) a.as_object()["status"] = status;
  }
}

bool update_container(json::object& container, const ContainerReport& report) {
  json::object before = container;
  if (!report.runtime_id.empty()) container["runtimeId"] = report.runtime_id;
  ContainerStatus current = container_status(string_member(container, "lastStatus"));
  ContainerStatus next = model::transition(current, container_status(report.status));
  if (next != current) container["lastStatus"] = model::container_status_name(next);
  if (report.exit_code) container["exitCode"] = *report.exit_code;
  if (!report.reason.empty()) container["reason"] = report.reason;
  if (report.network_bindings) container["networkBindings"] = *report.network_bindings;
  if (!report.health_status.empty()) container["healthStatus"] = report.health_status;
  return container != before;
}

void bump_version(json::object& doc) { doc["version"] = int_member(doc, "version", 1) + 1; }

}  // namespace

std::optional<state::TaskRecord> apply_report(const state::TaskRecord& task,
                                              const TaskReport& report, double now) {
  state::DocScratch scratch;
  json::object doc = task.doc(scratch.storage());
  bool changed = false;

  for (const auto& c : report.containers) {
    for (auto& container : doc["containers"].as_array()) {
      if (string_member(container.as_object(), "name") == c.name) {
        changed = update_container(container.as_object(), c) || changed;
      }
    }
  }
  if (!report.health_status.empty() && string_member(doc, "healthStatus") != report.health_status) {
    doc["healthStatus"] = report.health_status;
    changed = true;
  }
  if (report.pull_started_at && !doc.contains("pullStartedAt")) {
    doc["pullStartedAt"] = *report.pull_started_at;
    changed = true;
  }
  if (report.pull_stopped_at && !doc.contains("pullStoppedAt")) {
    doc["pullStoppedAt"] = *report.pull_stopped_at;
    changed = true;
  }

  auto current = model::parse_task_status(task.last_status()).value_or(TaskStatus::kProvisioning);
  auto reported = model::parse_task_status(report.status);
  if (reported && model::can_transition(current, *reported)) {
    changed = true;
    doc["lastStatus"] = model::task_status_name(*reported);
    if (*reported >= TaskStatus::kPending && !doc.contains("connectivityAt")) {
      doc["connectivity"] = "CONNECTED";
      doc["connectivityAt"] = now;
    }
    if (*reported == TaskStatus::kRunning) {
      doc["startedAt"] = now;
      set_attachments_status(doc, "ATTACHED");
    }
    if (*reported == TaskStatus::kStopped) {
      if (task.desired_status() != "STOPPED") {
        // The task stopped on its own: ECS tells a failed start from an exit.
        bool started = current >= TaskStatus::kRunning;
        doc["desiredStatus"] = "STOPPED";
        doc["stoppingAt"] = now;
        doc["stopCode"] = started ? "EssentialContainerExited" : "TaskFailedToStart";
        doc["stoppedReason"] = report.reason.empty()
                                   ? std::string("Essential container in task exited")
                                   : report.reason;
      }
      doc["executionStoppedAt"] = report.execution_stopped_at.value_or(now);
      doc["stoppedAt"] = now;
      set_attachments_status(doc, "DELETED");
      for (auto& container : doc["containers"].as_array()) {
        container.as_object()["lastStatus"] =
            model::container_status_name(ContainerStatus::kStopped);
      }
    }
  }
  if (!changed) return std::nullopt;
  bump_version(doc);
  state::TaskRecord next = task;
  next.set_doc(doc);
  return next;
}

std::optional<state::TaskRecord> request_stop(const state::TaskRecord& task,
                                              std::string_view stop_code,
                                              std::string_view reason, double now) {
  if (task.desired_status() == "STOPPED") return std::nullopt;
  json::object doc = task.doc();
  doc["desiredStatus"] = "STOPPED";
  doc["stoppingAt"] = now;
  doc["stopCode"] = stop_code;
  doc["stoppedReason"] = reason;
  auto current = model::parse_task_status(task.last_status()).value_or(TaskStatus::kProvisioning);
  if (current >= TaskStatus::kPending && current < TaskStatus::kStopping) {
    doc["lastStatus"] = model::task_status_name(TaskStatus::kStopping);
  }
  bump_version(doc);
  state::TaskRecord next = task;
  next.set_doc(doc);
  return next;
}

std::optional<state::TaskRecord> apply_address(const state::TaskRecord& task,
                                               const std::string& private_ipv4_address) {
  json::object doc = task.doc();
  auto* attachments = doc.if_contains("attachments");
  if (!attachments || !attachments->is_array()) return std::nullopt;
  std::string attachment_id;
  for (auto& a : attachments->get_array()) {
    auto& attachment = a.as_object();
    if (string_member(attachment, "type") != "ElasticNetworkInterface") continue;
    attachment_id = string_member(attachment, "id");
    auto& details = attachment["details"];
    if (!details.is_array()) details = json::array{};
    for (const auto& d : details.get_array()) {
      if (d.is_object() && string_member(d.get_object(), "name") == "privateIPv4Address") {
        return std::nullopt;  // shown already
      }
    }
    details.get_array().push_back(
        json::object{{"name", "privateIPv4Address"}, {"value", private_ipv4_address}});
    break;
  }
  if (attachment_id.empty()) return std::nullopt;
  bump_version(doc);
  if (auto* containers = doc.if_contains("containers"); containers && containers->is_array()) {
    for (auto& c : containers->get_array()) {
      c.as_object()["networkInterfaces"] = json::array{json::object{
          {"attachmentId", attachment_id}, {"privateIpv4Address", private_ipv4_address}}};
    }
  }
  state::TaskRecord next = task;
  next.set_doc(doc);
  return next;
}

}  // namespace gantry::ecs
