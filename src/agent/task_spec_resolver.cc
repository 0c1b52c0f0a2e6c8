#include "agent/task_spec_resolver.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
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
  return c;
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
  for (const auto& c : spec.containers) {
    for (const auto& d : c.depends_on) {
      if (!names.contains(d.container_name)) {
        fail("Container '" + c.name + "' depends on '" + d.container_name +
             "', which the task definition does not have.");
      }
    }
  }
}

}  // namespace

TaskSpec resolve_task_spec(std::string_view task_arn, const json::object& task_definition,
                           const json::object& overrides) {
  TaskSpec spec;
  set_task_identity(spec, task_arn);
  set_family_and_revision(spec, task_definition);
  spec.cpu_units = task_cpu_at(task_definition);
  spec.memory_mib = task_memory_at(task_definition);
  spec.network_mode = string_at(task_definition, "networkMode").value_or("bridge");

  const auto* definitions = array_at(task_definition, "containerDefinitions");
  if (!definitions || definitions->empty())
    fail("The task definition has no containerDefinitions.");
  for (const auto& item : *definitions) {
    spec.containers.push_back(container_from(as_object(item, "containerDefinitions")));
  }
  check_names(spec);

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
