// The members ECS computes for a registered task definition: compatibilities
// and requiresAttributes.
//
// ECS does not document how it derives requiresAttributes. The table below is
// built from the attribute names the ECS agent advertises and from task
// definitions described by real ECS (what each gained for which features);
// rows marked "docs" follow a documented "requires version 1.x of the Docker
// Remote API", rows marked "observed" follow described definitions, and rows
// marked "approximation" are our best reading where the evidence is thin.
#include <set>
#include <string>
#include <vector>

#include "model/fargate_rules.h"
#include "model/task_definition_rules.h"
#include "model/task_definition_view.h"

namespace gantry::model {

namespace json = boost::json;
using namespace detail;

namespace {

using Predicate = bool (*)(const json::object& request);
using Suffixes = std::vector<std::string> (*)(const json::object& request);

// One attribute (or a family of them: `name` + each suffix) and when it applies.
struct AttributeRule {
  std::string_view name;
  Predicate applies;
  Suffixes suffixes = nullptr;
};

template <bool (*ContainerPredicate)(const json::object&)>
bool any_container(const json::object& request) {
  for (const auto& item : array_member(request, "containerDefinitions")) {
    if (item.is_object() && ContainerPredicate(item.get_object())) return true;
  }
  return false;
}

template <bool (*VolumePredicate)(const json::object&)>
bool any_volume(const json::object& request) {
  for (const auto& item : array_member(request, "volumes")) {
    if (item.is_object() && VolumePredicate(item.get_object())) return true;
  }
  return false;
}

const json::object& log_configuration(const json::object& c) { return object_member(c, "logConfiguration"); }
const json::object& linux_parameters(const json::object& c) { return object_member(c, "linuxParameters"); }

bool is_secrets_manager_arn(std::string_view value_from) {
  return value_from.find(":secretsmanager:") != std::string_view::npos;
}

// Whether any secret in `secrets` comes from Secrets Manager (`asm`) or else
// from SSM Parameter Store, by name or ARN.
bool has_secret_from(const json::array& secrets, bool asm_source) {
  for (const auto& item : secrets) {
    if (!item.is_object()) continue;
    if (is_secrets_manager_arn(string_or_empty(item.get_object(), "valueFrom")) == asm_source) return true;
  }
  return false;
}

bool has_security_option(const json::object& c, std::string_view prefix) {
  for (const auto& option : array_member(c, "dockerSecurityOptions")) {
    if (option.is_string() && option.get_string().subview().starts_with(prefix)) return true;
  }
  return false;
}

// Container features.
bool has_links_member(const json::object& c) { return c.contains("links"); }
bool has_labels_or_ulimits(const json::object& c) {
  return non_empty_object(c, "dockerLabels") || non_empty_array(c, "ulimits");
}
bool has_log_options(const json::object& c) { return non_empty_object(log_configuration(c), "options"); }
bool has_memory_reservation(const json::object& c) { return c.contains("memoryReservation"); }
bool has_tmpfs(const json::object& c) { return non_empty_array(linux_parameters(c), "tmpfs"); }
bool has_init_process(const json::object& c) { return bool_member(linux_parameters(c), "initProcessEnabled", false); }
bool has_health_check(const json::object& c) { return has_object(c, "healthCheck"); }
bool has_depends_on(const json::object& c) { return non_empty_array(c, "dependsOn"); }
bool has_ssm_secret(const json::object& c) { return has_secret_from(array_member(c, "secrets"), false); }
bool has_asm_secret(const json::object& c) { return has_secret_from(array_member(c, "secrets"), true); }
bool has_ssm_log_secret(const json::object& c) {
  return has_secret_from(array_member(log_configuration(c), "secretOptions"), false);
}
bool has_asm_log_secret(const json::object& c) {
  return has_secret_from(array_member(log_configuration(c), "secretOptions"), true);
}
bool has_repository_credentials(const json::object& c) { return has_object(c, "repositoryCredentials"); }
bool is_privileged(const json::object& c) { return bool_member(c, "privileged", false); }
bool has_selinux_label(const json::object& c) { return has_security_option(c, "label"); }
bool has_apparmor_profile(const json::object& c) { return has_security_option(c, "apparmor"); }
bool uses_ecr_image(const json::object& c) { return is_ecr_image(string_or_empty(c, "image")); }
bool uses_awslogs(const json::object& c) { return string_or_empty(log_configuration(c), "logDriver") == "awslogs"; }
bool has_environment_files(const json::object& c) { return non_empty_array(c, "environmentFiles"); }
bool uses_firelens(const json::object& c, std::string_view type) {
  return string_or_empty(object_member(c, "firelensConfiguration"), "type") == type;
}
bool uses_fluentd(const json::object& c) { return uses_firelens(c, "fluentd"); }
bool uses_fluentbit(const json::object& c) { return uses_firelens(c, "fluentbit"); }
bool firelens_config_from(const json::object& c, std::string_view type) {
  const auto& options = object_member(object_member(c, "firelensConfiguration"), "options");
  return string_or_empty(options, "config-file-type") == type;
}
bool firelens_config_file(const json::object& c) { return firelens_config_from(c, "file"); }
bool firelens_config_s3(const json::object& c) { return firelens_config_from(c, "s3"); }

// Volume features.
bool is_efs(const json::object& v) { return has_object(v, "efsVolumeConfiguration"); }
bool is_efs_with_authorization(const json::object& v) {
  return has_object(object_member(v, "efsVolumeConfiguration"), "authorizationConfig");
}
bool is_fsx_windows(const json::object& v) { return has_object(v, "fsxWindowsFileServerVolumeConfiguration"); }

// Task features.
bool is_awsvpc(const json::object& r) { return network_mode(r) == "awsvpc"; }
bool has_task_role(const json::object& r) { return !string_or_empty(r, "taskRoleArn").empty(); }
bool has_task_role_off_host_network(const json::object& r) { return has_task_role(r) && network_mode(r) != "host"; }
bool has_task_role_on_host_network(const json::object& r) { return has_task_role(r) && network_mode(r) == "host"; }
bool has_execution_role(const json::object& r) { return !string_or_empty(r, "executionRoleArn").empty(); }
bool pulls_awslogs_with_execution_role(const json::object& r) {
  return has_execution_role(r) && any_container<uses_awslogs>(r);
}
bool pulls_ecr_with_execution_role(const json::object& r) {
  return has_execution_role(r) && any_container<uses_ecr_image>(r);
}
bool has_proxy_configuration(const json::object& r) { return has_object(r, "proxyConfiguration"); }
bool shares_pid_or_ipc_namespace(const json::object& r) { return r.contains("pidMode") || r.contains("ipcMode"); }
bool has_inference_accelerators(const json::object& r) { return non_empty_array(r, "inferenceAccelerators"); }
bool always(const json::object&) { return true; }

std::vector<std::string> log_drivers(const json::object& r) {
  std::vector<std::string> drivers;
  for (const auto& item : array_member(r, "containerDefinitions")) {
    if (!item.is_object()) continue;
    if (auto driver = string_member(log_configuration(item.get_object()), "logDriver")) drivers.push_back(*driver);
  }
  return drivers;
}

std::vector<std::string> docker_volume_drivers(const json::object& r) {
  std::vector<std::string> drivers;
  for (const auto& item : array_member(r, "volumes")) {
    if (!item.is_object() || !has_object(item.get_object(), "dockerVolumeConfiguration")) continue;
    const auto& config = object_member(item.get_object(), "dockerVolumeConfiguration");
    drivers.push_back(string_member(config, "driver").value_or("local"));
  }
  return drivers;
}

// In output order. One rule per line.
const AttributeRule kAttributeRules[] = {
    {"com.amazonaws.ecs.capability.logging-driver.", always, log_drivers},                // observed
    {"ecs.capability.execution-role-awslogs", pulls_awslogs_with_execution_role},         // observed
    {"com.amazonaws.ecs.capability.ecr-auth", any_container<uses_ecr_image>},             // observed
    {"ecs.capability.execution-role-ecr-pull", pulls_ecr_with_execution_role},            // observed
    {"com.amazonaws.ecs.capability.task-iam-role", has_task_role_off_host_network},       // observed
    {"com.amazonaws.ecs.capability.task-iam-role-network-host", has_task_role_on_host_network},  // approximation
    {"com.amazonaws.ecs.capability.docker-remote-api.1.17", any_container<has_links_member>},    // approximation
    {"com.amazonaws.ecs.capability.docker-remote-api.1.18", is_awsvpc},                   // observed
    {"com.amazonaws.ecs.capability.docker-remote-api.1.18", any_container<has_labels_or_ulimits>},  // docs
    {"com.amazonaws.ecs.capability.docker-remote-api.1.19", any_container<has_log_options>},  // docs, observed
    {"com.amazonaws.ecs.capability.docker-remote-api.1.21", any_container<has_memory_reservation>},  // observed
    {"com.amazonaws.ecs.capability.docker-remote-api.1.22", any_container<has_tmpfs>},   // observed
    {"com.amazonaws.ecs.capability.docker-remote-api.1.25", any_container<has_init_process>},  // docs
    {"com.amazonaws.ecs.capability.docker-remote-api.1.29", any_container<has_health_check>},  // observed
    {"ecs.capability.container-health-check", any_container<has_health_check>},           // observed
    {"ecs.capability.container-ordering", any_container<has_depends_on>},                 // observed
    {"ecs.capability.secrets.ssm.environment-variables", any_container<has_ssm_secret>},  // observed
    {"ecs.capability.secrets.asm.environment-variables", any_container<has_asm_secret>},  // agent name
    {"ecs.capability.secrets.ssm.bootstrap.log-driver", any_container<has_ssm_log_secret>},  // agent name
    {"ecs.capability.secrets.asm.bootstrap.log-driver", any_container<has_asm_log_secret>},  // agent name
    {"ecs.capability.private-registry-authentication.secretsmanager", any_container<has_repository_credentials>},  // agent name
    {"com.amazonaws.ecs.capability.privileged-container", any_container<is_privileged>},  // agent name
    {"com.amazonaws.ecs.capability.selinux", any_container<has_selinux_label>},           // observed
    {"com.amazonaws.ecs.capability.apparmor", any_container<has_apparmor_profile>},       // agent name
    {"ecs.capability.env-files.s3", any_container<has_environment_files>},                // agent name
    {"ecs.capability.firelens.fluentd", any_container<uses_fluentd>},                     // observed
    {"ecs.capability.firelens.fluentbit", any_container<uses_fluentbit>},                 // observed
    {"ecs.capability.firelens.options.config.file", any_container<firelens_config_file>}, // agent name
    {"ecs.capability.firelens.options.config.s3", any_container<firelens_config_s3>},     // agent name
    {"ecs.capability.efsAuth", any_volume<is_efs_with_authorization>},                    // observed
    {"ecs.capability.efs", any_volume<is_efs>},                                           // observed
    {"ecs.capability.fsxWindowsFileServer", any_volume<is_fsx_windows>},                  // agent name
    {"ecs.capability.docker-plugin.", always, docker_volume_drivers},                     // agent name
    {"ecs.capability.aws-appmesh", has_proxy_configuration},                              // agent name
    {"ecs.capability.pid-ipc-namespace-sharing", shares_pid_or_ipc_namespace},            // agent name
    {"ecs.capability.task-eia", has_inference_accelerators},                              // agent name
    {"ecs.capability.task-eni", is_awsvpc},                                               // observed
};

}  // namespace

json::array compute_requires_attributes(const json::object& request) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](std::string name) {
    if (seen.insert(name).second) names.push_back(std::move(name));
  };
  for (const auto& rule : kAttributeRules) {
    if (!rule.applies(request)) continue;
    if (!rule.suffixes) {
      add(std::string(rule.name));
      continue;
    }
    for (const auto& suffix : rule.suffixes(request)) add(std::string(rule.name) + suffix);
  }
  json::array attributes;
  for (const auto& name : names) attributes.push_back(json::object{{"name", name}});
  return attributes;
}

json::array compute_compatibilities(const json::object& request) {
  const auto mode = network_mode(request);
  json::array compatibilities;
  // Order as ECS lists them: ["EXTERNAL", "EC2"], ["EC2", "MANAGED_INSTANCES", "FARGATE"].
  if (requires_compatibility(request, "EXTERNAL")) compatibilities.emplace_back("EXTERNAL");
  compatibilities.emplace_back("EC2");
  // Definitions described by ECS since Managed Instances launched list it for
  // awsvpc; the Managed Instances docs support awsvpc and host, Linux only.
  if (requires_compatibility(request, "MANAGED_INSTANCES") ||
      ((mode == "awsvpc" || mode == "host") && !is_windows(request))) {
    compatibilities.emplace_back("MANAGED_INSTANCES");
  }
  if (requires_compatibility(request, "FARGATE") || !fargate_incompatibility(request)) {
    compatibilities.emplace_back("FARGATE");
  }
  return compatibilities;
}

}  // namespace gantry::model
