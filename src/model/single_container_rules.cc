// The container rules that look at one container alone. Messages are ECS's
// where they are known (quoted from ECS answers seen in the wild); the others
// follow their wording and name the container and the member to fix.
#include <cstdint>
#include <set>
#include <string>

#include "core/error.h"
#include "model/container_definition_rules.h"
#include "model/task_definition_view.h"

namespace gantry::model {

namespace json = boost::json;
using namespace detail;

namespace {

// The Docker 20.10 daemon refuses less than 6 MiB for a container; the ECS
// docs tell users not to go below it.
constexpr std::int64_t kMinContainerMemory = 6;

void check_memory(const TaskContext& task, const json::object& c, const std::string& name) {
  const auto memory = int_member(c, "memory");
  const auto reservation = int_member(c, "memoryReservation");
  const std::string invalid = "Invalid setting for container " + quoted(name) + ". ";
  if (!task.memory && !memory && !reservation) {
    fail(invalid + "At least one of 'memory' or 'memoryReservation' must be specified.");
  }
  if (memory && *memory < kMinContainerMemory) fail(invalid + "'memory' must be at least 6 MiB.");
  if (reservation && *reservation < kMinContainerMemory) {
    fail(invalid + "'memoryReservation' must be at least 6 MiB.");
  }
  if (memory && reservation && *memory < *reservation) {
    fail(invalid + "'memory' must be greater than or equal to 'memoryReservation'.");
  }
  if (task.memory && memory && *memory > *task.memory) {
    fail("The 'memory' setting for container " + quoted(name) + " is greater than for the task.");
  }
  if (task.memory && reservation && *reservation > *task.memory) {
    fail("The 'memoryReservation' setting for container " + quoted(name) + " is greater than for the task.");
  }
}

void check_cpu(const json::object& c, const std::string& name) {
  if (int_member(c, "cpu").value_or(0) < 0) {
    fail("Invalid 'cpu' setting for container " + quoted(name) + ". 'cpu' must be 0 or greater.");
  }
}

// "8000-8099": two ports, the first below the second.
bool is_port_range(const std::string& range) {
  const auto dash = range.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == range.size()) return false;
  auto port = [](const std::string& s) -> int {
    if (s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoi(s);
  };
  const int first = port(range.substr(0, dash));
  const int last = port(range.substr(dash + 1));
  return first >= 1 && last <= 65535 && first < last;
}

void check_port_mappings(const TaskContext& task, const json::object& c, const std::string& name) {
  const auto& mappings = array_member(c, "portMappings");
  if (mappings.empty()) return;
  if (task.network_mode == "none") fail("Port mappings are not supported when networkMode=none.");
  const bool static_ports = task.network_mode == "awsvpc" || task.network_mode == "host";
  for (const auto& item : mappings) {
    if (!item.is_object()) continue;
    const auto& mapping = item.get_object();
    const auto container_port = int_member(mapping, "containerPort");
    const auto host_port = int_member(mapping, "hostPort");
    if (const auto range = string_member(mapping, "containerPortRange")) {
      // The docs: port ranges need bridge or awsvpc, and leave hostPort unset.
      if (!is_port_range(*range) || container_port || host_port || task.network_mode == "host") {
        fail("Invalid 'containerPortRange' setting for container " + quoted(name) +
             ". Use the form 'first-last' with ports 1-65535, without containerPort or hostPort, "
             "in bridge or awsvpc network mode.");
      }
      continue;
    }
    if (!container_port || *container_port < 1 || *container_port > 65535) {
      fail("Invalid 'containerPort' setting for container " + quoted(name) + ".");
    }
    if (host_port && (*host_port < 0 || *host_port > 65535)) {
      fail("Invalid 'hostPort' setting for container " + quoted(name) + ".");
    }
    if (static_ports && host_port && *host_port != *container_port) {
      fail("When networkMode=" + task.network_mode +
           ", the host ports and container ports in port mappings must match.");
    }
  }
}

void check_network_mode_members(const TaskContext& task, const json::object& c) {
  if (task.network_mode != "bridge" && non_empty_array(c, "links")) {
    fail("Links are not supported when networkMode=" + task.network_mode + ".");
  }
  if (task.network_mode == "awsvpc") {
    if (c.contains("hostname")) fail("hostname is not supported on container when networkMode=awsvpc.");
    if (non_empty_array(c, "extraHosts")) fail("extraHosts is not supported on container when networkMode=awsvpc.");
  }
}

struct HealthCheckLimit {
  const char* member;
  std::int64_t min;
  std::int64_t max;
};

// The ranges of the HealthCheck API reference.
constexpr HealthCheckLimit kHealthCheckLimits[] = {
    {"interval", 5, 300},
    {"timeout", 2, 60},
    {"retries", 1, 10},
    {"startPeriod", 0, 300},
};

void check_health_check(const json::object& c, const std::string& name) {
  if (!has_object(c, "healthCheck")) return;
  const auto& check = object_member(c, "healthCheck");
  const auto& command = array_member(check, "command");
  const std::string first = !command.empty() && command[0].is_string() ? std::string(command[0].get_string()) : "";
  const bool runs_something = (first == "CMD" || first == "CMD-SHELL") && command.size() >= 2;
  if (!runs_something && !(first == "NONE" && command.size() == 1)) {
    fail("Invalid 'healthCheck' setting for container " + quoted(name) +
         ". The command must start with CMD or CMD-SHELL followed by the command to run, "
         "for example [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"].");
  }
  for (const auto& limit : kHealthCheckLimits) {
    const auto value = int_member(check, limit.member);
    if (!value) continue;
    const std::string what = std::string("Health check ") + limit.member;
    if (*value < limit.min) {
      fail(what + " must be greater than or equal to the minimum allowed value " + std::to_string(limit.min) +
           " for container " + quoted(name));
    }
    if (*value > limit.max) {
      fail(what + " must be less than or equal to the maximum allowed value " + std::to_string(limit.max) +
           " for container " + quoted(name));
    }
  }
}

// Members whose entries are keyed by `name`, which must be unique within the container.
void check_unique_names(const json::object& c, const std::string& container, const char* member,
                        const char* what) {
  std::set<std::string> seen;
  for (const auto& item : array_member(c, member)) {
    if (!item.is_object()) continue;
    const auto entry = string_or_empty(item.get_object(), "name");
    if (!seen.insert(entry).second) {
      fail(std::string("Duplicate ") + what + " " + quoted(entry) + " in container " + quoted(container) + ".");
    }
  }
}

void check_environment(const json::object& c, const std::string& name) {
  for (const auto& item : array_member(c, "environment")) {
    if (!item.is_object()) continue;
    const auto variable = string_or_empty(item.get_object(), "name");
    if (variable.empty() || variable.find('=') != std::string::npos) {
      fail("Invalid environment variable name " + quoted(variable) + " in container " + quoted(name) +
           ". Names must be non-empty and must not contain '='.");
    }
  }
  check_unique_names(c, name, "secrets", "secret name");
  check_unique_names(c, name, "ulimits", "ulimit name");
}

bool is_positive_integer(const std::string& text) {
  return !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos &&
         std::stoi(text) > 0;
}

void check_resource_requirements(const TaskContext& task, const json::object& c, const std::string& name) {
  std::set<std::string> accelerators;
  for (const auto& item : array_member(task.request, "inferenceAccelerators")) {
    if (item.is_object()) accelerators.insert(string_or_empty(item.get_object(), "deviceName"));
  }
  int gpu_entries = 0;
  for (const auto& item : array_member(c, "resourceRequirements")) {
    if (!item.is_object()) continue;
    const auto type = string_or_empty(item.get_object(), "type");
    const auto value = string_or_empty(item.get_object(), "value");
    if (type == "GPU") {
      if (++gpu_entries > 1) fail("Container " + quoted(name) + " specifies the GPU resource requirement more than once.");
      if (!is_positive_integer(value)) {
        fail("Invalid GPU value " + quoted(value) + " for container " + quoted(name) +
             ". The value must be a positive whole number of GPUs.");
      }
    } else if (type == "InferenceAccelerator" && !accelerators.contains(value)) {
      fail("Container " + quoted(name) + " references inference accelerator " + quoted(value) +
           ", which is not a deviceName in the task definition's inferenceAccelerators.");
    }
  }
}

// The awslogs driver cannot start without a log group and a region; ECS
// refuses the definition rather than the task.
void check_log_configuration(const json::object& c) {
  const auto& log = object_member(c, "logConfiguration");
  if (string_or_empty(log, "logDriver") != "awslogs") return;
  const auto& options = object_member(log, "options");
  std::string missing;
  for (const char* option : {"awslogs-region", "awslogs-group"}) {
    if (string_or_empty(options, option).empty()) missing += (missing.empty() ? "" : ", ") + std::string(option);
  }
  if (!missing.empty()) fail("Log driver awslogs requires options: " + missing);
}

}  // namespace

void validate_container(const TaskContext& task, const json::object& c) {
  const auto name = string_or_empty(c, "name");
  if (string_or_empty(c, "image").empty()) fail("Container.image should not be null or empty.");
  check_memory(task, c, name);
  check_cpu(c, name);
  check_port_mappings(task, c, name);
  check_network_mode_members(task, c);
  check_health_check(c, name);
  check_environment(c, name);
  check_resource_requirements(task, c, name);
  check_log_configuration(c);
}

}  // namespace gantry::model
