#include "model/fargate_rules.h"

#include <string>

#include "model/task_definition_view.h"
#include "model/task_size.h"

namespace gantry::model {

namespace json = boost::json;
using namespace detail;

namespace {

// Real ECS words most of these "Fargate compatible task definitions do not
// support <parameter>" (seen for sourcePath, devices, sharedMemorySize,
// maxSwap, dockerSecurityOptions, dockerVolumeConfiguration); the same form
// is used for every parameter that the Fargate task definition docs list as
// not valid on Fargate.
std::string unsupported(std::string_view parameter) {
  return "Fargate compatible task definitions do not support " + std::string(parameter) + ".";
}

using Reason = std::optional<std::string>;

Reason check_task_size(const json::object& request) {
  const auto cpu_text = string_member(request, "cpu");
  const auto memory_text = string_member(request, "memory");
  if (!cpu_text) return "Fargate requires that 'cpu' be defined at the task level.";
  if (!memory_text) return "Fargate requires that 'memory' be defined at the task level.";
  const auto cpu = parse_task_cpu(*cpu_text);
  const auto memory = parse_task_memory(*memory_text);
  if (!cpu || !memory) return "No Fargate configuration exists for given values.";
  // Windows containers on Fargate need at least 1 vCPU.
  if (!is_fargate_size(*cpu, *memory) || (is_windows(request) && *cpu < 1024)) {
    return "No Fargate configuration exists for given values: " + std::to_string(*cpu) + " CPU, " +
           std::to_string(*memory) + " memory. See the Amazon ECS documentation for the valid values.";
  }
  return std::nullopt;
}

Reason check_task_level(const json::object& request) {
  if (request.contains("ipcMode")) return unsupported("ipcMode");
  if (string_or_empty(request, "pidMode") == "host") {
    return "Fargate compatible task definitions do not support pidMode 'host'; the only valid "
           "pidMode on Fargate is 'task'.";
  }
  if (non_empty_array(request, "placementConstraints")) return unsupported("placementConstraints");
  if (non_empty_array(request, "inferenceAccelerators")) return unsupported("inferenceAccelerators");
  for (const auto& item : array_member(request, "volumes")) {
    if (!item.is_object()) continue;
    const auto& volume = item.get_object();
    if (!string_or_empty(object_member(volume, "host"), "sourcePath").empty()) return unsupported("sourcePath");
    if (has_object(volume, "dockerVolumeConfiguration")) return unsupported("dockerVolumeConfiguration");
  }
  return std::nullopt;
}

Reason check_log_configuration(const json::object& container, bool has_execution_role) {
  if (!has_object(container, "logConfiguration")) return std::nullopt;
  const auto& log = object_member(container, "logConfiguration");
  const auto driver = string_or_empty(log, "logDriver");
  if (driver != "awslogs" && driver != "splunk" && driver != "awsfirelens") {
    return "Fargate compatible task definitions do not support log driver '" + driver +
           "'. The log drivers available on Fargate are awslogs, splunk and awsfirelens.";
  }
  if (driver == "awslogs" && !has_execution_role) {
    return "Fargate requires task definition to have execution role ARN to support log driver awslogs.";
  }
  return std::nullopt;
}

Reason check_container(const json::object& container, bool has_execution_role) {
  if (bool_member(container, "privileged", false)) return unsupported("privileged");
  if (bool_member(container, "disableNetworking", false)) return unsupported("disableNetworking");
  for (const char* member : {"links", "dnsServers", "dnsSearchDomains", "extraHosts", "dockerSecurityOptions"}) {
    if (non_empty_array(container, member)) return unsupported(member);
  }
  const auto& linux_parameters = object_member(container, "linuxParameters");
  if (non_empty_array(linux_parameters, "devices")) return unsupported("devices");
  for (const char* member : {"sharedMemorySize", "maxSwap", "swappiness"}) {
    if (linux_parameters.contains(member)) return unsupported(member);
  }
  for (const auto& requirement : array_member(container, "resourceRequirements")) {
    if (requirement.is_object() && string_or_empty(requirement.get_object(), "type") == "GPU") {
      return unsupported("GPU resource requirements");
    }
  }
  if (auto reason = check_log_configuration(container, has_execution_role)) return reason;
  if (is_ecr_image(string_or_empty(container, "image")) && !has_execution_role) {
    return "Fargate requires task definition to have execution role ARN to support ECR images.";
  }
  // The Fargate docs: "the max stop timeout value is 120 seconds".
  if (int_member(container, "stopTimeout").value_or(0) > 120) {
    return "Tasks using the Fargate launch type must have a container stopTimeout of at most 120 seconds.";
  }
  // "Tasks hosted on Fargate only support the file configuration file type."
  const auto& firelens_options = object_member(object_member(container, "firelensConfiguration"), "options");
  if (string_or_empty(firelens_options, "config-file-type") == "s3") {
    return "Fargate compatible task definitions only support the 'file' config-file-type for FireLens.";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> fargate_incompatibility(const json::object& request) {
  if (network_mode(request) != "awsvpc") return "Fargate only supports network mode \u2018awsvpc\u2019.";
  if (auto reason = check_task_size(request)) return reason;
  if (auto reason = check_task_level(request)) return reason;
  const bool has_execution_role = !string_or_empty(request, "executionRoleArn").empty();
  for (const auto& item : array_member(request, "containerDefinitions")) {
    if (!item.is_object()) continue;
    if (auto reason = check_container(item.get_object(), has_execution_role)) return reason;
  }
  return std::nullopt;
}

}  // namespace gantry::model
