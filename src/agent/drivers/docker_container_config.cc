#include "agent/drivers/docker_container_config.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/driver.h"

namespace gantry::agent {

namespace json = boost::json;

namespace {

constexpr int64_t kMiB = 1024 * 1024;
// The range the Linux kernel accepts for cpu.shares.
constexpr int64_t kMinCpuShares = 2;
constexpr int64_t kMaxCpuShares = 262'144;

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

int64_t nanoseconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

enum class Network { kBridge, kHost, kNone, kJoined };

Network network_of(const TaskSpec& task) {
  const auto& mode = task.network_mode;
  if (mode.empty() || mode == "bridge" || mode == "default") return Network::kBridge;
  if (mode == "host") return Network::kHost;
  if (mode == "none") return Network::kNone;
  if (mode == "awsvpc") return Network::kJoined;
  throw cannot_start("network mode '" + mode + "' is not supported by the Docker driver");
}

std::string network_mode_value(Network network, const DockerStartContext& context) {
  switch (network) {
    case Network::kBridge:
      return "bridge";
    case Network::kHost:
      return "host";
    case Network::kNone:
      return "none";
    case Network::kJoined:
      if (context.network_container_id.empty()) {
        throw cannot_start("awsvpc network mode needs the task's network container");
      }
      return "container:" + context.network_container_id;
  }
  return "bridge";
}

std::string port_key(const PortMapping& m) {
  return std::to_string(m.container_port) + "/" + (m.protocol.empty() ? "tcp" : m.protocol);
}

// Docker's cgroup letters in its canonical order; none given means all.
std::string cgroup_permissions(const std::vector<std::string>& permissions) {
  if (permissions.empty()) return "rwm";
  const auto has = [&](std::string_view p) {
    return std::find(permissions.begin(), permissions.end(), p) != permissions.end();
  };
  std::string out;
  if (has("read")) out += 'r';
  if (has("write")) out += 'w';
  if (has("mknod")) out += 'm';
  return out;
}

std::string tmpfs_options(const Tmpfs& t) {
  std::string out;
  // size=0 would mean "no limit" to the kernel, not an empty mount.
  if (t.size_mib > 0) out = "size=" + std::to_string(t.size_mib) + "m";
  for (const auto& option : t.mount_options) {
    if (!out.empty()) out += ',';
    out += option;
  }
  return out;
}

json::object health_check_body(const HealthCheckSpec& h) {
  // ECS's command form ("CMD" / "CMD-SHELL" first) is Docker's Test form too.
  return {{"Test", string_array(h.command)},
          {"Interval", nanoseconds(h.interval)},
          {"Timeout", nanoseconds(h.timeout)},
          {"StartPeriod", nanoseconds(h.start_period)},
          {"Retries", h.retries}};
}

json::array mounts_body(const ContainerSpec& c, const DockerStartContext& context) {
  json::array mounts;
  for (const auto& m : c.mount_points) {
    auto it = std::find_if(context.volumes.begin(), context.volumes.end(),
                           [&](const ResolvedVolume& v) { return v.name == m.source_volume; });
    if (it == context.volumes.end()) {
      throw cannot_start("volume '" + m.source_volume + "' of container '" + c.name +
                         "' was not resolved");
    }
    mounts.push_back(json::object{{"Type", it->bind ? "bind" : "volume"},
                                  {"Source", it->source},
                                  {"Target", m.container_path},
                                  {"ReadOnly", m.read_only}});
  }
  return mounts;
}

json::array volumes_from_body(const ContainerSpec& c, const DockerStartContext& context) {
  json::array out;
  for (const auto& v : c.volumes_from) {
    auto it = context.container_ids.find(v.source_container);
    if (it == context.container_ids.end()) {
      throw cannot_start("container '" + c.name + "' takes volumes from '" + v.source_container +
                         "', which has not been created");
    }
    out.emplace_back(it->second + (v.read_only ? ":ro" : ""));
  }
  return out;
}

void add_linux_parameters(json::object& host, const LinuxParameters& p) {
  if (!p.cap_add.empty()) host["CapAdd"] = string_array(p.cap_add);
  if (!p.cap_drop.empty()) host["CapDrop"] = string_array(p.cap_drop);
  // Left out unless asked for, so the daemon's own default stands.
  if (p.init_process_enabled) host["Init"] = true;
  if (p.shared_memory_mib) host["ShmSize"] = *p.shared_memory_mib * kMiB;
  if (!p.tmpfs.empty()) {
    json::object tmpfs;
    for (const auto& t : p.tmpfs) tmpfs[t.container_path] = tmpfs_options(t);
    host["Tmpfs"] = std::move(tmpfs);
  }
  if (!p.devices.empty()) {
    json::array devices;
    for (const auto& d : p.devices) {
      devices.push_back(json::object{
          {"PathOnHost", d.host_path},
          {"PathInContainer", d.container_path.empty() ? d.host_path : d.container_path},
          {"CgroupPermissions", cgroup_permissions(d.permissions)}});
    }
    host["Devices"] = std::move(devices);
  }
}

void add_resources(json::object& host, const ContainerSpec& c) {
  if (c.memory_mib) host["Memory"] = *c.memory_mib * kMiB;
  if (c.memory_reservation_mib) host["MemoryReservation"] = *c.memory_reservation_mib * kMiB;
  // As the ECS agent: a container without cpu gets the minimum weight, not
  // Docker's default of 1024, so it yields to those that reserved CPU.
  host["CpuShares"] = std::clamp(c.cpu_units, kMinCpuShares, kMaxCpuShares);
  if (!c.ulimits.empty()) {
    json::array ulimits;
    for (const auto& u : c.ulimits) {
      ulimits.push_back(
          json::object{{"Name", u.name}, {"Soft", u.soft_limit}, {"Hard", u.hard_limit}});
    }
    host["Ulimits"] = std::move(ulimits);
  }
  if (!c.gpu_ids.empty()) {
    host["DeviceRequests"] =
        json::array{json::object{{"Driver", "nvidia"},
                                 {"DeviceIDs", string_array(c.gpu_ids)},
                                 {"Capabilities", json::array{json::array{"gpu"}}}}};
  }
}

// Name resolution and ports belong to the network namespace: Docker refuses
// them for a container that joins another's (awsvpc), which gets its
// network from the task's network container instead.
void add_network(json::object& body, json::object& host, const ContainerSpec& c, Network network,
                 const DockerStartContext& context) {
  host["NetworkMode"] = network_mode_value(network, context);
  if (network == Network::kJoined) return;
  if (!c.hostname.empty() && network != Network::kHost) body["Hostname"] = c.hostname;
  if (!c.dns_servers.empty()) host["Dns"] = string_array(c.dns_servers);
  if (!c.dns_search_domains.empty()) host["DnsSearch"] = string_array(c.dns_search_domains);
  if (!c.extra_hosts.empty()) {
    json::array hosts;
    for (const auto& [name, address] : c.extra_hosts) hosts.emplace_back(name + ":" + address);
    host["ExtraHosts"] = std::move(hosts);
  }
  json::object exposed;
  json::object bindings;
  for (const auto& m : c.port_mappings) {
    if (m.container_port == 0) continue;
    const auto key = port_key(m);
    exposed[key] = json::object{};
    if (network != Network::kBridge) continue;
    // HostPort "" asks Docker for an ephemeral port.
    auto& list = bindings[key];
    if (!list.is_array()) list = json::array{};
    list.as_array().push_back(json::object{
        {"HostIp", ""}, {"HostPort", m.host_port > 0 ? std::to_string(m.host_port) : ""}});
  }
  if (!exposed.empty()) body["ExposedPorts"] = std::move(exposed);
  if (!bindings.empty()) host["PortBindings"] = std::move(bindings);
}

json::object labels_body(const ContainerSpec& c, const DockerStartContext& context) {
  json::object labels;
  for (const auto& [k, v] : c.docker_labels) labels[k] = v;
  for (const auto& [k, v] : context.labels) labels[k] = v;  // gantry's own win
  return labels;
}

json::array environment_body(const ContainerSpec& c, const DockerStartContext& context) {
  json::array env;
  for (const auto& [k, v] : c.environment) env.emplace_back(k + "=" + v);
  for (const auto& [k, v] : context.extra_environment) env.emplace_back(k + "=" + v);
  return env;
}

// Splits `path` on '/', dropping empty and "." segments; nullopt on "..".
std::optional<std::vector<std::string>> path_segments(std::string_view path) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= path.size()) {
    auto end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const auto segment = path.substr(begin, end - begin);
    if (segment == "..") return std::nullopt;
    if (!segment.empty() && segment != ".") out.emplace_back(segment);
    begin = end + 1;
  }
  return out;
}

std::string efs_source(const VolumeSpec& v,
                       const std::map<std::string, std::string>& efs_directories) {
  auto it = efs_directories.find(v.file_system_id);
  if (it == efs_directories.end()) {
    throw cannot_start("EFS file system '" + v.file_system_id + "' of volume '" + v.name +
                       "' is not configured on this instance");
  }
  auto segments = path_segments(v.root_directory);
  if (!segments) {
    throw cannot_start("volume '" + v.name + "': rootDirectory '" + v.root_directory +
                       "' must not contain '..'");
  }
  std::string source = it->second;
  while (source.size() > 1 && source.back() == '/') source.pop_back();
  for (const auto& segment : *segments) {
    if (source.empty() || source.back() != '/') source += '/';
    source += segment;
  }
  return source;
}

}  // namespace

json::object docker_create_body(const TaskSpec& task, const ContainerSpec& container,
                                const DockerStartContext& context) {
  const auto network = network_of(task);
  json::object body;
  json::object host;
  body["Image"] = container.image;
  if (!container.entry_point.empty()) body["Entrypoint"] = string_array(container.entry_point);
  if (!container.command.empty()) body["Cmd"] = string_array(container.command);
  body["Env"] = environment_body(container, context);
  if (!container.working_directory.empty()) body["WorkingDir"] = container.working_directory;
  if (!container.user.empty()) body["User"] = container.user;
  body["Labels"] = labels_body(container, context);
  if (container.health_check) body["Healthcheck"] = health_check_body(*container.health_check);
  body["StopTimeout"] = std::chrono::ceil<std::chrono::seconds>(container.stop_timeout).count();
  if (container.interactive) body["OpenStdin"] = true;
  if (container.pseudo_terminal) body["Tty"] = true;

  add_network(body, host, container, network, context);
  add_resources(host, container);
  add_linux_parameters(host, container.linux_parameters);
  host["Privileged"] = container.privileged;
  host["ReadonlyRootfs"] = container.readonly_root_filesystem;
  if (!container.docker_security_options.empty()) {
    host["SecurityOpt"] = string_array(container.docker_security_options);
  }
  if (auto mounts = mounts_body(container, context); !mounts.empty()) {
    host["Mounts"] = std::move(mounts);
  }
  if (auto volumes_from = volumes_from_body(container, context); !volumes_from.empty()) {
    host["VolumesFrom"] = std::move(volumes_from);
  }
  if (!context.cgroup_parent.empty()) host["CgroupParent"] = context.cgroup_parent;
  host["RestartPolicy"] = json::object{{"Name", "no"}};
  body["HostConfig"] = std::move(host);
  return body;
}

std::vector<ResolvedVolume> resolve_volumes(
    const TaskSpec& task, const std::map<std::string, std::string>& efs_directories) {
  std::vector<ResolvedVolume> out;
  out.reserve(task.volumes.size());
  for (const auto& v : task.volumes) {
    switch (v.kind) {
      case VolumeSpec::Kind::kTaskScratch:
        out.push_back({v.name, "gantry-" + task.task_id + "-" + v.name, false});
        break;
      case VolumeSpec::Kind::kDocker:
        out.push_back({v.name,
                       v.scope == "shared" ? v.name : "gantry-" + task.task_id + "-" + v.name,
                       false});
        break;
      case VolumeSpec::Kind::kHostPath:
        out.push_back({v.name, v.source_path, true});
        break;
      case VolumeSpec::Kind::kEfs:
        out.push_back({v.name, efs_source(v, efs_directories), true});
        break;
    }
  }
  return out;
}

}  // namespace gantry::agent
