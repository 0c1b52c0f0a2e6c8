#include "agent/task_status.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

namespace gantry::agent {

namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& message) {
  throw std::runtime_error("malformed task status: " + message);
}

const json::value* member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::string string_or(const json::object& o, std::string_view key, std::string if_absent) {
  const auto* v = member(o, key);
  if (!v) return if_absent;
  if (!v->is_string()) fail(std::string(key) + " is not a string");
  return std::string(v->get_string());
}

std::string required_string(const json::object& o, std::string_view key) {
  if (!member(o, key)) fail(std::string(key) + " is missing");
  return string_or(o, key, "");
}

using Allowed = std::array<const char*, 3>;

// The first allowed value is the default when the member is absent.
std::string one_of(const json::object& o, std::string_view key, const Allowed& allowed) {
  auto value = string_or(o, key, allowed.front());
  if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; })) {
    fail(std::string(key) + " '" + value + "' is not a known status");
  }
  return value;
}

std::optional<double> number_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(std::string(key) + " is not a number");
  return v->to_number<double>();
}

std::optional<int> int_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= INT32_MIN && v->get_int64() <= INT32_MAX) {
    return static_cast<int>(v->get_int64());
  }
  if (v->is_uint64() && v->get_uint64() <= INT32_MAX) return static_cast<int>(v->get_uint64());
  fail(std::string(key) + " is not a 32-bit integer");
}

const json::object& object_at(const json::value& v, std::string_view what) {
  if (!v.is_object()) fail(std::string(what) + " is not an object");
  return v.get_object();
}

void put_optional(json::object& o, std::string_view key, const std::optional<double>& v) {
  if (v) o[key] = *v;
}

constexpr Allowed kStatuses = {kStatusPending, kStatusRunning, kStatusStopped};
constexpr Allowed kHealths = {kHealthUnknown, kHealthHealthy, kHealthUnhealthy};

json::object container_to_json(const ContainerStatus& c) {
  json::object o;
  o["name"] = c.name;
  o["runtimeId"] = c.runtime_id;
  o["lastStatus"] = c.last_status;
  if (c.exit_code) o["exitCode"] = *c.exit_code;
  o["reason"] = c.reason;
  o["healthStatus"] = c.health_status;
  if (!c.network_bindings.empty()) o["networkBindings"] = network_bindings_to_json(c.network_bindings);
  put_optional(o, "startedAt", c.started_at);
  put_optional(o, "restartedAt", c.restarted_at);
  if (c.restart_count > 0) o["restartCount"] = c.restart_count;
  if (c.handle)
    o["handle"] = json::object{{"runtimeId", c.handle->runtime_id}, {"state", c.handle->state}};
  return o;
}

ContainerStatus container_from_json(const json::object& o) {
  ContainerStatus c;
  c.name = required_string(o, "name");
  c.runtime_id = string_or(o, "runtimeId", "");
  c.last_status = one_of(o, "lastStatus", kStatuses);
  c.exit_code = int_at(o, "exitCode");
  c.reason = string_or(o, "reason", "");
  c.health_status = one_of(o, "healthStatus", kHealths);
  c.started_at = number_at(o, "startedAt");
  c.restarted_at = number_at(o, "restartedAt");
  c.restart_count = int_at(o, "restartCount").value_or(0);
  if (const auto* handle = member(o, "handle")) {
    const auto& h = object_at(*handle, "handle");
    ContainerHandle parsed;
    parsed.runtime_id = required_string(h, "runtimeId");
    if (const auto* state = member(h, "state")) parsed.state = object_at(*state, "handle.state");
    c.handle = std::move(parsed);
  }
  if (const auto* bindings = member(o, "networkBindings")) {
    if (!bindings->is_array()) throw std::runtime_error("networkBindings is not an array");
    for (const auto& item : bindings->get_array()) {
      const auto& b = object_at(item, "networkBindings");
      c.network_bindings.push_back(NetworkBinding{
          string_or(b, "bindIP", "0.0.0.0"), static_cast<int>(int_at(b, "containerPort").value_or(0)),
          static_cast<int>(int_at(b, "hostPort").value_or(0)), string_or(b, "protocol", "tcp")});
    }
  }
  return c;
}

}  // namespace

json::array network_bindings_to_json(const std::vector<NetworkBinding>& bindings) {
  json::array out;
  for (const auto& b : bindings) {
    out.push_back(json::object{{"bindIP", b.bind_ip},
                               {"containerPort", b.container_port},
                               {"hostPort", b.host_port},
                               {"protocol", b.protocol}});
  }
  return out;
}

json::object to_json(const TaskStatus& status) {
  json::object o;
  o["taskArn"] = status.task_arn;
  o["lastStatus"] = status.last_status;
  o["healthStatus"] = status.health_status;
  o["stoppedReason"] = status.stopped_reason;
  o["stoppedByRequest"] = status.stopped_by_request;
  put_optional(o, "pullStartedAt", status.pull_started_at);
  put_optional(o, "pullStoppedAt", status.pull_stopped_at);
  put_optional(o, "executionStoppedAt", status.execution_stopped_at);
  put_optional(o, "startedAt", status.started_at);
  json::array containers;
  for (const auto& c : status.containers) containers.push_back(container_to_json(c));
  o["containers"] = std::move(containers);
  return o;
}

TaskStatus task_status_from_json(const json::object& o) {
  TaskStatus status;
  status.task_arn = required_string(o, "taskArn");
  status.last_status = one_of(o, "lastStatus", kStatuses);
  status.health_status = one_of(o, "healthStatus", kHealths);
  status.stopped_reason = string_or(o, "stoppedReason", "");
  if (const auto* v = member(o, "stoppedByRequest")) {
    if (!v->is_bool()) fail("stoppedByRequest is not a boolean");
    status.stopped_by_request = v->get_bool();
  }
  status.pull_started_at = number_at(o, "pullStartedAt");
  status.pull_stopped_at = number_at(o, "pullStoppedAt");
  status.execution_stopped_at = number_at(o, "executionStoppedAt");
  status.started_at = number_at(o, "startedAt");
  if (const auto* containers = member(o, "containers")) {
    if (!containers->is_array()) fail("containers is not a list");
    for (const auto& c : containers->get_array()) {
      status.containers.push_back(container_from_json(object_at(c, "container")));
    }
  }
  return status;
}

std::string task_health_status(const TaskSpec& spec,
                               const std::vector<ContainerStatus>& containers) {
  bool any_checked = false;
  bool all_healthy = true;
  for (const auto& c : spec.containers) {
    if (!c.essential || !c.health_check) continue;
    any_checked = true;
    auto it = std::find_if(containers.begin(), containers.end(),
                           [&](const ContainerStatus& s) { return s.name == c.name; });
    const std::string health = it == containers.end() ? kHealthUnknown : it->health_status;
    if (health == kHealthUnhealthy) return kHealthUnhealthy;
    all_healthy = all_healthy && health == kHealthHealthy;
  }
  return any_checked && all_healthy ? kHealthHealthy : kHealthUnknown;
}

}  // namespace gantry::agent
