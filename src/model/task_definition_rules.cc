// ECS's task-level rules for RegisterTaskDefinition; the container rules are
// in container_definition_rules.cc and single_container_rules.cc, Fargate's
// in fargate_rules.cc. Messages are ECS's where known (ClientException
// answers seen from real ECS); the others follow their wording.
#include "model/task_definition_rules.h"

#include <set>
#include <string>

#include "core/error.h"
#include "model/container_definition_rules.h"
#include "model/fargate_rules.h"
#include "model/task_definition_view.h"
#include "model/task_size.h"

namespace gantry::model {

namespace json = boost::json;
using namespace detail;

namespace {


void check_family(const json::object& request) {
  const auto family = string_or_empty(request, "family");
  if (family.empty()) fail("Family should not be null or empty.");
  if (family.size() > kMaxNameLength) {
    fail("Family is too long: up to 255 letters, numbers, hyphens and underscores are allowed.");
  }
  if (!has_only_name_characters(family)) fail("Family contains invalid characters.");
}

std::optional<int> task_cpu(const json::object& request) {
  const auto text = string_member(request, "cpu");
  if (!text) return std::nullopt;
  const auto cpu = parse_task_cpu(*text);
  if (!cpu) {
    fail("Invalid 'cpu' setting for task: " + quoted(*text) +
         ". Specify CPU units as a whole number (for example '1024') or vCPUs (for example '1 vCPU').");
  }
  if (*cpu < kMinTaskCpu || *cpu > kMaxTaskCpu) {
    fail("Invalid 'cpu' setting for task: " + std::to_string(*cpu) +
         " CPU units. Task cpu must be between 128 (0.125 vCPU) and 196608 (192 vCPU) CPU units.");
  }
  return cpu;
}

std::optional<int> task_memory(const json::object& request) {
  const auto text = string_member(request, "memory");
  if (!text) return std::nullopt;
  const auto memory = parse_task_memory(*text);
  if (!memory || *memory <= 0) {
    fail("Invalid 'memory' setting for task: " + quoted(*text) +
         ". Specify MiB as a whole number (for example '2048') or GB (for example '2 GB').");
  }
  return memory;
}

void check_efs_volume(const json::object& volume) {
  const auto& efs = object_member(volume, "efsVolumeConfiguration");
  const auto& authorization = object_member(efs, "authorizationConfig");
  if (string_or_empty(authorization, "iam") == "ENABLED" && string_or_empty(efs, "transitEncryption") != "ENABLED") {
    fail("Transit encryption must be enabled if Amazon EFS IAM authorization is used.");
  }
  const auto root = string_or_empty(efs, "rootDirectory");
  if (!string_or_empty(authorization, "accessPointId").empty() && !root.empty() && root != "/") {
    fail("The root directory must be omitted or set to '/' when an EFS access point is specified.");
  }
}

void check_volumes(const json::object& request) {
  std::set<std::string> names;
  int configured_at_launch = 0;
  for (const auto& item : array_member(request, "volumes")) {
    if (!item.is_object()) continue;
    const auto& volume = item.get_object();
    const auto name = string_member(volume, "name");
    if (name) {
      if (name->empty() || name->size() > kMaxNameLength || !has_only_name_characters(*name)) {
        fail("Invalid volume name " + quoted(*name) +
             ". Up to 255 letters, numbers, hyphens and underscores are allowed.");
      }
      if (!names.insert(*name).second) fail("Volume names must be unique within a Task Definition.");
    }
    if (has_object(volume, "efsVolumeConfiguration")) {
      if (!name) fail("Volume.name should not be null or empty when efsVolumeConfiguration is used.");
      check_efs_volume(volume);
    }
    if (bool_member(volume, "configuredAtLaunch", false) && ++configured_at_launch > 1) {
      fail("A task definition can have at most one volume configured at launch.");
    }
  }
}

void check_launch_type_requirements(const json::object& request) {
  if (requires_compatibility(request, "FARGATE")) {
    if (auto reason = fargate_incompatibility(request)) fail(*reason);
  }
  const auto mode = network_mode(request);
  // The Managed Instances docs: "You must specify a network mode"; awsvpc and host are supported.
  if (requires_compatibility(request, "MANAGED_INSTANCES") && mode != "awsvpc" && mode != "host") {
    fail("Amazon ECS Managed Instances requires networkMode 'awsvpc' or 'host'; the task definition uses " +
         quoted(mode) + ".");
  }
}

void check_task_members(const json::object& request) {
  if (has_object(request, "ephemeralStorage")) {
    const auto size = int_member(object_member(request, "ephemeralStorage"), "sizeInGiB").value_or(0);
    if (size < 21 || size > 200) {
      fail("Invalid 'ephemeralStorage' setting: sizeInGiB must be between 21 and 200, got " +
           std::to_string(size) + ".");
    }
  }
  if (has_object(request, "proxyConfiguration")) {
    const auto proxy = string_or_empty(object_member(request, "proxyConfiguration"), "containerName");
    bool found = false;
    for (const auto& item : array_member(request, "containerDefinitions")) {
      found = found || (item.is_object() && string_or_empty(item.get_object(), "name") == proxy);
    }
    if (!found) {
      fail("The proxy configuration names container " + quoted(proxy) +
           ", which is not defined in the task definition.");
    }
  }
}

}  // namespace

void validate_task_definition(const json::object& request) {
  check_family(request);
  const TaskContext task{request, network_mode(request), task_cpu(request), task_memory(request)};
  validate_container_definitions(task);
  check_volumes(request);
  check_task_members(request);
  check_launch_type_requirements(request);
}

void normalize_task_definition(json::object& request) {
  // Values that do not parse are left alone: validate_task_definition refuses them.
  if (const auto text = string_member(request, "cpu")) {
    if (const auto cpu = parse_task_cpu(*text)) request["cpu"] = std::to_string(*cpu);
  }
  if (const auto text = string_member(request, "memory")) {
    if (const auto memory = parse_task_memory(*text)) request["memory"] = std::to_string(*memory);
  }
}

}  // namespace gantry::model
