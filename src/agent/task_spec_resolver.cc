#include "agent/task_spec_resolver.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/task_size.h"

namespace gantry::agent {

namespace json = boost::json;

namespace {

// The documents were validated when they were accepted, so a member of the
// wrong type here means a corrupt record: refuse it loudly rather than run
// something other than what was asked. Null counts as absent.

[[noreturn]] void fail(const std::string& message) { throw core::invalid_parameter(message); }

const json::value* member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::optional<std::string> string_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(std::string(key) + " must be a string.");
  return std::string(v->get_string());
}

std::optional<int64_t> int_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  fail(std::string(key) + " must be an integer.");
}

std::optional<bool> bool_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) fail(std::string(key) + " must be a boolean.");
  return v->get_bool();
}

const json::array* array_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return nullptr;
  if (!v->is_array()) fail(std::string(key) + " must be a list.");
  return &v->get_array();
}

const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object()) fail(std::string(what) + " must be a list of objects.");
  return v.get_object();
}

std::optional<std::vector<std::string>> strings_at(const json::object& o, std::string_view key) {
  const auto* array = array_at(o, key);
  if (!array) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const auto& item : *array) {
    if (!item.is_string()) fail(std::string(key) + " must be a list of strings.");
    out.emplace_back(item.get_string());
  }
  return out;
}

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = member(o, key);
  if (!v) return nullptr;
  if (!v->is_object()) fail(std::string(key) + " must be an object.");
  return &v->get_object();
}

// A StringMap (dockerLabels, driverOpts), in the document's order.
std::vector<std::pair<std::string, std::string>> string_map_at(const json::object& o,
                                                               std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto* map = object_at(o, key);
  if (!map) return out;
  for (const auto& [name, value] : *map) {
    if (!value.is_string()) fail(std::string(key) + " values must be strings.");
    out.emplace_back(std::string(name), std::string(value.get_string()));
  }
  return out;
}

std::vector<int> ints_at(const json::object& o, std::string_view key) {
  std::vector<int> out;
  const auto* array = array_at(o, key);
  if (!array) return out;
  for (const auto& item : *array) {
    if (!item.is_int64() || item.get_int64() < INT_MIN || item.get_int64() > INT_MAX) {
      fail(std::string(key) + " must be a list of integers.");
    }
    out.push_back(static_cast<int>(item.get_int64()));
  }
  return out;
}

std::chrono::milliseconds seconds_at(const json::object& o, std::string_view key,
                                     int64_t if_absent) {
  return std::chrono::seconds(int_at(o, key).value_or(if_absent));
}

using Environment = std::vector<std::pair<std::string, std::string>>;

Environment environment_at(const json::object& o) {
  Environment out;
  const auto* array = array_at(o, "environment");
  if (!array) return out;
  for (const auto& item : *array) {
    const auto& pair = as_object(item, "environment");
    auto name = string_at(pair, "name");
    if (!name) continue;  // KeyValuePair allows it; there is nothing to set
    out.emplace_back(std::move(*name), string_at(pair, "value").value_or(""));
  }
  return out;
}

// The override wins by name; names the definition lacks are appended in the
// override's order.
void merge_environment(Environment& base, Environment overrides) {
  for (auto& entry : overrides) {
    auto it = std::find_if(base.begin(), base.end(),
                           [&](const auto& kv) { return kv.first == entry.first; });
    if (it != base.end()) {
      it->second = std::move(entry.second);
    } else {
      base.push_back(std::move(entry));
    }
  }
}

HealthCheckSpec health_check_from(const json::object& o) {
  HealthCheckSpec spec;
  spec.command = strings_at(o, "command").value_or(std::vector<std::string>{});
  if (spec.command.empty()) fail("healthCheck.command must not be empty.");
  spec.interval = seconds_at(o, "interval", 30);
  spec.timeout = seconds_at(o, "timeout", 5);
  spec.retries = static_cast<int>(int_at(o, "retries").value_or(3));
  spec.start_period = seconds_at(o, "startPeriod", 0);
  return spec;
}

LinuxParameters linux_parameters_from(const json::object& o, const std::string& container) {
  LinuxParameters p;
  if (const auto* caps = object_at(o, "capabilities")) {
    p.cap_add = strings_at(*caps, "add").value_or(std::vector<std::string>{});
    p.cap_drop = strings_at(*caps, "drop").value_or(std::vector<std::string>{});
  }
  p.init_process_enabled = bool_at(o, "initProcessEnabled").value_or(false);
  p.shared_memory_mib = int_at(o, "sharedMemorySize");
  if (p.shared_memory_mib && *p.shared_memory_mib < 0) {
    fail("Container '" + container + "': linuxParameters.sharedMemorySize must not be negative.");
  }
  if (const auto* tmpfs = array_at(o, "tmpfs")) {
    for (const auto& item : *tmpfs) {
      const auto& t = as_object(item, "tmpfs");
      Tmpfs mount{string_at(t, "containerPath").value_or(""), int_at(t, "size").value_or(0),
                  strings_at(t, "mountOptions").value_or(std::vector<std::string>{})};
      if (mount.container_path.empty()) {
        fail("Container '" + container + "': every tmpfs needs a containerPath.");
      }
      if (mount.size_mib < 0) {
        fail("Container '" + container + "': tmpfs '" + mount.container_path +
             "' has a negative size.");
      }
      p.tmpfs.push_back(std::move(mount));
    }
  }
  if (const auto* devices = array_at(o, "devices")) {
    for (const auto& item : *devices) {
      const auto& d = as_object(item, "devices");
      Device device{string_at(d, "hostPath").value_or(""),
                    string_at(d, "containerPath").value_or(""),
                    strings_at(d, "permissions").value_or(std::vector<std::string>{})};
      if (device.host_path.empty()) {
        fail("Container '" + container + "': every device needs a hostPath.");
      }
      for (const auto& permission : device.permissions) {
        if (permission != "read" && permission != "write" && permission != "mknod") {
          fail("Container '" + container + "': device permission '" + permission +
               "' is not one of read, write, mknod.");
        }
      }
      p.devices.push_back(std::move(device));
    }
  }
  return p;
}

RestartPolicy restart_policy_from(const json::object& o, const std::string& container) {
  RestartPolicy policy;
  policy.enabled = bool_at(o, "enabled").value_or(false);
  policy.ignored_exit_codes = ints_at(o, "ignoredExitCodes");
  const auto period = int_at(o, "restartAttemptPeriod").value_or(300);
  if (period < 0) {
    fail("Container '" + container + "': restartPolicy.restartAttemptPeriod must not be negative.");
  }
  policy.attempt_period = std::chrono::seconds(period);
  return policy;
}

// The members a runtime acts on beyond the process itself: storage,
// privileges, name resolution, restarts.
void runtime_members_from(ContainerSpec& c, const json::object& o) {
  if (const auto* mounts = array_at(o, "mountPoints")) {
    for (const auto& item : *mounts) {
      const auto& m = as_object(item, "mountPoints");
      MountPoint mount{string_at(m, "sourceVolume").value_or(""),
                       string_at(m, "containerPath").value_or(""),
                       bool_at(m, "readOnly").value_or(false)};
      if (mount.container_path.empty()) {
        fail("Container '" + c.name + "': every mountPoint needs a containerPath.");
      }
      c.mount_points.push_back(std::move(mount));
    }
  }
  if (const auto* volumes_from = array_at(o, "volumesFrom")) {
    for (const auto& item : *volumes_from) {
      const auto& v = as_object(item, "volumesFrom");
      c.volumes_from.push_back(VolumeFrom{string_at(v, "sourceContainer").value_or(""),
                                          bool_at(v, "readOnly").value_or(false)});
    }
  }
  if (const auto* parameters = object_at(o, "linuxParameters")) {
    c.linux_parameters = linux_parameters_from(*parameters, c.name);
  }
  c.privileged = bool_at(o, "privileged").value_or(false);
  c.readonly_root_filesystem = bool_at(o, "readonlyRootFilesystem").value_or(false);
  c.docker_labels = string_map_at(o, "dockerLabels");
  if (const auto* hosts = array_at(o, "extraHosts")) {
    for (const auto& item : *hosts) {
      const auto& h = as_object(item, "extraHosts");
      auto hostname = string_at(h, "hostname").value_or("");
      auto address = string_at(h, "ipAddress").value_or("");
      if (hostname.empty() || address.empty()) {
        fail("Container '" + c.name +
             "': every extraHosts entry needs a hostname and an ipAddress.");
      }
      c.extra_hosts.emplace_back(std::move(hostname), std::move(address));
    }
  }
  c.dns_servers = strings_at(o, "dnsServers").value_or(std::vector<std::string>{});
  c.dns_search_domains = strings_at(o, "dnsSearchDomains").value_or(std::vector<std::string>{});
  c.hostname = string_at(o, "hostname").value_or("");
  if (const auto* restart = object_at(o, "restartPolicy")) {
    c.restart_policy = restart_policy_from(*restart, c.name);
  }
  if (const auto* credentials = object_at(o, "repositoryCredentials")) {
    c.registry_credentials = string_at(*credentials, "credentialsParameter").value_or("");
  }
  c.docker_security_options =
      strings_at(o, "dockerSecurityOptions").value_or(std::vector<std::string>{});
  c.interactive = bool_at(o, "interactive").value_or(false);
  c.pseudo_terminal = bool_at(o, "pseudoTerminal").value_or(false);
  c.awslogs = awslogs_options_of(o);
}

ContainerSpec container_from(const json::object& o) {
  ContainerSpec c;
  auto name = string_at(o, "name");
  if (!name || name->empty()) fail("Every container definition needs a name.");
  c.name = std::move(*name);
  c.image = string_at(o, "image").value_or("");
  c.entry_point = strings_at(o, "entryPoint").value_or(std::vector<std::string>{});
  c.command = strings_at(o, "command").value_or(std::vector<std::string>{});
  c.environment = environment_at(o);
  c.working_directory = string_at(o, "workingDirectory").value_or("");
  c.user = string_at(o, "user").value_or("");
  if (const auto* ulimits = array_at(o, "ulimits")) {
    for (const auto& item : *ulimits) {
      const auto& u = as_object(item, "ulimits");
      c.ulimits.push_back(Ulimit{string_at(u, "name").value_or(""),
                                 int_at(u, "softLimit").value_or(0),
                                 int_at(u, "hardLimit").value_or(0)});
    }
  }
  c.memory_mib = int_at(o, "memory");
  c.memory_reservation_mib = int_at(o, "memoryReservation");
  c.cpu_units = int_at(o, "cpu").value_or(0);
  c.essential = bool_at(o, "essential").value_or(true);
  if (const auto* depends_on = array_at(o, "dependsOn")) {
    for (const auto& item : *depends_on) {
      const auto& d = as_object(item, "dependsOn");
      c.depends_on.push_back(ContainerDependency{string_at(d, "containerName").value_or(""),
                                                 string_at(d, "condition").value_or("")});
    }
  }
  if (const auto* health = member(o, "healthCheck")) {
    if (!health->is_object()) fail("healthCheck must be an object.");
    c.health_check = health_check_from(health->get_object());
  }
  c.stop_timeout = seconds_at(o, "stopTimeout", 30);
  if (const auto* mappings = array_at(o, "portMappings")) {
    for (const auto& item : *mappings) {
      const auto& m = as_object(item, "portMappings");
      c.port_mappings.push_back(PortMapping{static_cast<int>(int_at(m, "containerPort").value_or(0)),
                                            static_cast<int>(int_at(m, "hostPort").value_or(0)),
                                            string_at(m, "protocol").value_or("tcp")});
    }
  }
  runtime_members_from(c, o);
  return c;
}

// The kinds this agent cannot provide: refusing them beats running the task
// with an empty scratch volume where the data was expected.
constexpr std::string_view kUnsupportedVolumeKinds[] = {"fsxWindowsFileServerVolumeConfiguration",
                                                        "s3filesVolumeConfiguration"};

VolumeSpec volume_from(const json::object& o) {
  VolumeSpec v;
  v.name = string_at(o, "name").value_or("");
  if (v.name.empty()) fail("Every volume needs a name.");
  for (const auto kind : kUnsupportedVolumeKinds) {
    if (member(o, kind)) {
      fail("Volume '" + v.name + "': " + std::string(kind) + " is not supported on this agent.");
    }
  }
  const auto* host = object_at(o, "host");
  const auto* docker = object_at(o, "dockerVolumeConfiguration");
  const auto* efs = object_at(o, "efsVolumeConfiguration");
  if ((host ? 1 : 0) + (docker ? 1 : 0) + (efs ? 1 : 0) > 1) {
    fail("Volume '" + v.name +
         "' may have only one of host, dockerVolumeConfiguration and efsVolumeConfiguration.");
  }
  if (host) {
    // `host` without a sourcePath: the runtime picks the directory, which
    // lives as long as the task.
    if (auto path = string_at(*host, "sourcePath"); path && !path->empty()) {
      if (path->front() != '/') {
        fail("Volume '" + v.name + "': host.sourcePath '" + *path + "' must be an absolute path.");
      }
      v.kind = VolumeSpec::Kind::kHostPath;
      v.source_path = std::move(*path);
    }
  } else if (docker) {
    v.kind = VolumeSpec::Kind::kDocker;
    v.scope = string_at(*docker, "scope").value_or("task");
    if (v.scope != "task" && v.scope != "shared") {
      fail("Volume '" + v.name + "': scope '" + v.scope + "' is not task or shared.");
    }
    v.autoprovision = bool_at(*docker, "autoprovision").value_or(false);
    v.driver = string_at(*docker, "driver").value_or("");
    v.driver_opts = string_map_at(*docker, "driverOpts");
    v.labels = string_map_at(*docker, "labels");
  } else if (efs) {
    v.kind = VolumeSpec::Kind::kEfs;
    v.file_system_id = string_at(*efs, "fileSystemId").value_or("");
    if (v.file_system_id.empty()) fail("Volume '" + v.name + "' needs an EFS fileSystemId.");
    auto root = string_at(*efs, "rootDirectory").value_or("");
    if (!root.empty()) v.root_directory = std::move(root);
  }
  return v;
}

std::vector<VolumeSpec> volumes_from(const json::object& definition) {
  std::vector<VolumeSpec> out;
  const auto* volumes = array_at(definition, "volumes");
  if (!volumes) return out;
  std::set<std::string> names;
  for (const auto& item : *volumes) {
    auto volume = volume_from(as_object(item, "volumes"));
    if (!names.insert(volume.name).second) {
      fail("Volume name '" + volume.name + "' is used twice.");
    }
    out.push_back(std::move(volume));
  }
  return out;
}

void apply_container_override(ContainerSpec& c, const json::object& o) {
  if (auto command = strings_at(o, "command")) c.command = std::move(*command);
  merge_environment(c.environment, environment_at(o));
  if (auto cpu = int_at(o, "cpu")) c.cpu_units = *cpu;
  if (auto memory = int_at(o, "memory")) c.memory_mib = *memory;
  if (auto reservation = int_at(o, "memoryReservation")) c.memory_reservation_mib = *reservation;
}

std::optional<int64_t> task_cpu_at(const json::object& o) {
  auto text = string_at(o, "cpu");
  if (!text) return std::nullopt;
  auto units = model::parse_task_cpu(*text);
  if (!units) fail("Task cpu '" + *text + "' is not a number of CPU units or vCPUs.");
  return *units;
}

std::optional<int64_t> task_memory_at(const json::object& o) {
  auto text = string_at(o, "memory");
  if (!text) return std::nullopt;
  auto mib = model::parse_task_memory(*text);
  if (!mib) fail("Task memory '" + *text + "' is not a number of MiB or GB.");
  return *mib;
}

// "arn:aws:ecs:<region>:<account>:task/<cluster>/<id>"; the older form
// "task/<id>" names no cluster.
void set_task_identity(TaskSpec& spec, std::string_view arn) {
  spec.task_arn = std::string(arn);
  const auto last_slash = arn.rfind('/');
  spec.task_id =
      std::string(last_slash == std::string_view::npos ? arn : arn.substr(last_slash + 1));
  if (spec.task_id.empty()) fail("Task ARN '" + spec.task_arn + "' names no task id.");
  const auto resource = arn.find(":task/");
  if (resource == std::string_view::npos || last_slash == std::string_view::npos) return;
  const auto cluster_begin = resource + std::string_view(":task/").size();
  if (last_slash > cluster_begin) {
    spec.cluster = std::string(arn.substr(cluster_begin, last_slash - cluster_begin));
  }
}

// The members win; the taskDefinitionArn ("...:task-definition/<family>:<revision>")
// fills in what they lack.
void set_family_and_revision(TaskSpec& spec, const json::object& definition) {
  spec.family = string_at(definition, "family").value_or("");
  spec.revision = int_at(definition, "revision").value_or(0);
  const auto arn = string_at(definition, "taskDefinitionArn");
  if (!arn) return;
  const auto slash = arn->rfind('/');
  const auto colon = arn->rfind(':');
  if (slash == std::string::npos || colon == std::string::npos || colon < slash) return;
  if (spec.family.empty()) spec.family = arn->substr(slash + 1, colon - slash - 1);
  if (spec.revision == 0) {
    try {
      spec.revision = std::stoll(arn->substr(colon + 1));
    } catch (const std::exception&) {
      fail("taskDefinitionArn '" + *arn + "' does not end in a revision number.");
    }
  }
}

void check_names(const TaskSpec& spec) {
  std::set<std::string> names;
  for (const auto& c : spec.containers) {
    if (!names.insert(c.name).second) fail("Container name '" + c.name + "' is used twice.");
  }
  std::set<std::string> volumes;
  for (const auto& v : spec.volumes) volumes.insert(v.name);
  for (const auto& c : spec.containers) {
    for (const auto& d : c.depends_on) {
      if (!names.contains(d.container_name)) {
        fail("Container '" + c.name + "' depends on '" + d.container_name +
             "', which the task definition does not have.");
      }
    }
    for (const auto& m : c.mount_points) {
      if (!volumes.contains(m.source_volume)) {
        fail("Container '" + c.name + "' mounts volume '" + m.source_volume +
             "', which the task definition does not have.");
      }
    }
    for (const auto& v : c.volumes_from) {
      if (!names.contains(v.source_container)) {
        fail("Container '" + c.name + "' takes volumes from '" + v.source_container +
             "', which the task definition does not have.");
      }
      if (v.source_container == c.name) {
        fail("Container '" + c.name + "' cannot take volumes from itself.");
      }
    }
  }
}

void apply_gpu_ids(TaskSpec& spec,
                   const std::map<std::string, std::vector<std::string>>& gpu_ids_by_container) {
  for (const auto& assignment : gpu_ids_by_container) {
    const std::string& name = assignment.first;
    auto it = std::find_if(spec.containers.begin(), spec.containers.end(),
                           [&](const ContainerSpec& c) { return c.name == name; });
    if (it == spec.containers.end()) {
      fail("GPUs were assigned to container '" + name +
           "', which the task definition does not have.");
    }
    it->gpu_ids = assignment.second;
  }
}

}  // namespace

TaskSpec resolve_task_spec(
    std::string_view task_arn, const json::object& task_definition, const json::object& overrides,
    const std::map<std::string, std::vector<std::string>>& gpu_ids_by_container) {
  TaskSpec spec;
  set_task_identity(spec, task_arn);
  set_family_and_revision(spec, task_definition);
  spec.cpu_units = task_cpu_at(task_definition);
  spec.memory_mib = task_memory_at(task_definition);
  spec.network_mode = string_at(task_definition, "networkMode").value_or("bridge");
  spec.volumes = volumes_from(task_definition);

  const auto* definitions = array_at(task_definition, "containerDefinitions");
  if (!definitions || definitions->empty())
    fail("The task definition has no containerDefinitions.");
  for (const auto& item : *definitions) {
    spec.containers.push_back(container_from(as_object(item, "containerDefinitions")));
  }
  check_names(spec);
  apply_gpu_ids(spec, gpu_ids_by_container);

  if (auto cpu = task_cpu_at(overrides)) spec.cpu_units = cpu;
  if (auto memory = task_memory_at(overrides)) spec.memory_mib = memory;
  if (const auto* container_overrides = array_at(overrides, "containerOverrides")) {
    for (const auto& item : *container_overrides) {
      const auto& o = as_object(item, "containerOverrides");
      const auto name = string_at(o, "name").value_or("");
      auto it = std::find_if(spec.containers.begin(), spec.containers.end(),
                             [&](const ContainerSpec& c) { return c.name == name; });
      if (it == spec.containers.end()) {
        fail("containerOverrides names '" + name + "', which the task definition does not have.");
      }
      apply_container_override(*it, o);
    }
  }
  return spec;
}

}  // namespace gantry::agent
