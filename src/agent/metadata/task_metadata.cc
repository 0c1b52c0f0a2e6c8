#include "agent/metadata/task_metadata.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string_view>

namespace gantry::agent::metadata {

namespace json = boost::json;

namespace {

// ECS reports a container's CPU as the shares Docker gets, and Docker gives
// no fewer than 2 (the ECS agent's minimumCPUUnit).
constexpr int64_t kMinimumCpuShares = 2;

const ContainerStatus* status_of(const TaskView& task, const std::string& name) {
  for (const auto& c : task.status.containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const json::value* state_member(const ContainerStatus* status, std::string_view key) {
  if (!status || !status->handle) return nullptr;
  return status->handle->state.if_contains(key);
}

void put_state_string(json::object& out, std::string_view name, const ContainerStatus* status,
                      std::string_view key) {
  const auto* v = state_member(status, key);
  if (v && v->is_string() && !v->get_string().empty()) out[name] = v->get_string();
}

void put_state_time(json::object& out, std::string_view name, const ContainerStatus* status,
                    std::string_view key) {
  const auto* v = state_member(status, key);
  if (v && v->is_number()) out[name] = rfc3339(v->to_number<double>());
}

void put_time(json::object& out, std::string_view name, const std::optional<double>& t) {
  if (t) out[name] = rfc3339(*t);
}

json::array ports_of(const ContainerStatus* status) {
  json::array ports;
  if (!status) return ports;
  const auto& bindings = !status->network_bindings.empty() || !status->handle
                             ? status->network_bindings
                             : status->handle->network_bindings;
  for (const auto& b : bindings) {
    ports.push_back(json::object{{"ContainerPort", b.container_port},
                                 {"Protocol", b.protocol},
                                 {"HostPort", b.host_port},
                                 {"HostIp", b.bind_ip}});
  }
  return ports;
}

json::object network_of(const TaskView& task, const ContainerStatus* status) {
  json::object network{{"NetworkMode", task.spec.network_mode}};
  json::array addresses;
  if (const auto* v = state_member(status, "ipv4Addresses"); v && v->is_array()) {
    for (const auto& a : v->get_array()) {
      if (a.is_string() && !a.get_string().empty()) addresses.push_back(a);
    }
  } else if (const auto* ip = state_member(status, "ipAddress");
             ip && ip->is_string() && !ip->get_string().empty()) {
    addresses.push_back(*ip);
  }
  if (!addresses.empty()) network["IPv4Addresses"] = std::move(addresses);
  return network;
}

json::object labels_of(const TaskView& task, const ContainerSpec& spec) {
  json::object labels;
  for (const auto& [k, v] : spec.docker_labels) labels[k] = v;
  // The labels the ECS agent puts on every container; they win over the
  // task definition's, as they do there.
  labels["com.amazonaws.ecs.cluster"] = task.cluster.empty() ? task.spec.cluster : task.cluster;
  labels["com.amazonaws.ecs.container-name"] = spec.name;
  labels["com.amazonaws.ecs.task-arn"] = task.spec.task_arn;
  labels["com.amazonaws.ecs.task-definition-family"] = task.spec.family;
  labels["com.amazonaws.ecs.task-definition-version"] = std::to_string(task.spec.revision);
  return labels;
}

json::object render_container(const TaskView& task, const ContainerSpec& spec) {
  const ContainerStatus* status = status_of(task, spec.name);
  json::object c;
  c["DockerId"] = status ? status->runtime_id : std::string();
  c["Name"] = spec.name;
  put_state_string(c, "DockerName", status, "name");
  c["Image"] = spec.image;
  put_state_string(c, "ImageID", status, "imageId");
  if (auto ports = ports_of(status); !ports.empty()) c["Ports"] = std::move(ports);
  c["Labels"] = labels_of(task, spec);
  c["DesiredStatus"] = task.desired_status.empty() ? kStatusRunning : task.desired_status;
  c["KnownStatus"] = status ? status->last_status : kStatusPending;
  if (status && status->exit_code) c["ExitCode"] = *status->exit_code;

  json::object limits{{"CPU", std::max(spec.cpu_units, kMinimumCpuShares)}};
  if (spec.memory_mib) limits["Memory"] = *spec.memory_mib;
  c["Limits"] = std::move(limits);

  put_state_time(c, "CreatedAt", status, "createdAt");
  if (status) put_time(c, "StartedAt", status->started_at);
  put_state_time(c, "FinishedAt", status, "finishedAt");
  c["Type"] = "NORMAL";
  c["Networks"] = json::array{network_of(task, status)};
  if (spec.health_check) {
    c["Health"] = json::object{{"status", status ? status->health_status : kHealthUnknown}};
  }
  if (spec.restart_policy && spec.restart_policy->enabled) {
    c["RestartCount"] = status ? status->restart_count : 0;
  }
  return c;
}

}  // namespace

std::string rfc3339(double epoch_seconds) {
  const auto micros = static_cast<int64_t>(std::llround(epoch_seconds * 1e6));
  int64_t seconds = micros / 1'000'000;
  int64_t fraction = micros % 1'000'000;
  if (fraction < 0) {  // before 1970: floor, not truncate
    fraction += 1'000'000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (fraction != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(fraction));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

std::optional<json::object> container_metadata(const TaskView& task,
                                                const std::string& container_name) {
  for (const auto& spec : task.spec.containers) {
    if (spec.name == container_name) return render_container(task, spec);
  }
  return std::nullopt;
}

json::object task_metadata(const TaskView& task) {
  json::object t;
  t["Cluster"] = task.cluster.empty() ? task.spec.cluster : task.cluster;
  t["TaskARN"] = task.spec.task_arn;
  t["Family"] = task.spec.family;
  t["Revision"] = std::to_string(task.spec.revision);  // a string in ECS's shape
  t["DesiredStatus"] = task.desired_status.empty() ? kStatusRunning : task.desired_status;
  t["KnownStatus"] = task.status.last_status;

  json::object limits;
  if (task.spec.cpu_units) {
    // vCPUs; whole numbers stay integers so they print as "1", not "1E0".
    const int64_t units = *task.spec.cpu_units;
    if (units % 1024 == 0) {
      limits["CPU"] = units / 1024;
    } else {
      limits["CPU"] = static_cast<double>(units) / 1024.0;
    }
  }
  if (task.spec.memory_mib) limits["Memory"] = *task.spec.memory_mib;
  if (!limits.empty()) t["Limits"] = std::move(limits);

  put_time(t, "PullStartedAt", task.status.pull_started_at);
  put_time(t, "PullStoppedAt", task.status.pull_stopped_at);
  put_time(t, "ExecutionStoppedAt", task.status.execution_stopped_at);
  t["LaunchType"] = "EC2";

  json::array containers;
  for (const auto& spec : task.spec.containers) containers.push_back(render_container(task, spec));
  t["Containers"] = std::move(containers);
  return t;
}

}  // namespace gantry::agent::metadata
