#include "core/arn.h"

#include "core/error.h"

namespace gantry::core {

std::string_view arn_last_segment(std::string_view arn) {
  auto slash = arn.rfind('/');
  return slash == std::string_view::npos ? arn : arn.substr(slash + 1);
}

std::string task_definition_family(std::string_view arn) {
  auto slash = arn.rfind('/');
  auto colon = arn.rfind(':');
  if (slash == std::string_view::npos || colon == std::string_view::npos || colon < slash) {
    return {};
  }
  return std::string(arn.substr(slash + 1, colon - slash - 1));
}

std::optional<Arn> parse_arn(std::string_view text) {
  // arn:partition:service:region:account:resource
  constexpr std::string_view kPrefix = "arn:aws:ecs:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = text.substr(kPrefix.size());
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  Arn arn;
  arn.region = std::string(rest.substr(0, colon));
  rest = rest.substr(colon + 1);
  colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  arn.account_id = std::string(rest.substr(0, colon));
  rest = rest.substr(colon + 1);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return std::nullopt;
  arn.resource_type = std::string(rest.substr(0, slash));
  arn.resource_id = std::string(rest.substr(slash + 1));
  return arn;
}

std::string cluster_arn(std::string_view region, std::string_view account, std::string_view name) {
  return "arn:aws:ecs:" + std::string(region) + ":" + std::string(account) + ":cluster/" +
         std::string(name);
}

std::string capacity_provider_arn(std::string_view region, std::string_view account,
                                  std::string_view name) {
  return "arn:aws:ecs:" + std::string(region) + ":" + std::string(account) +
         ":capacity-provider/" + std::string(name);
}

std::string task_definition_arn(std::string_view region, std::string_view account,
                                std::string_view family, int64_t revision) {
  return "arn:aws:ecs:" + std::string(region) + ":" + std::string(account) + ":task-definition/" +
         std::string(family) + ":" + std::to_string(revision);
}

namespace {
std::string scoped_arn(std::string_view region, std::string_view account, std::string_view type,
                       std::string_view cluster, std::string_view id) {
  return "arn:aws:ecs:" + std::string(region) + ":" + std::string(account) + ":" +
         std::string(type) + "/" + std::string(cluster) + "/" + std::string(id);
}
}  // namespace

std::string container_instance_arn(std::string_view region, std::string_view account,
                                   std::string_view cluster, std::string_view id) {
  return scoped_arn(region, account, "container-instance", cluster, id);
}

std::string task_arn(std::string_view region, std::string_view account, std::string_view cluster,
                     std::string_view id) {
  return scoped_arn(region, account, "task", cluster, id);
}

std::string job_arn(std::string_view region, std::string_view account, std::string_view cluster,
                    std::string_view id) {
  return scoped_arn(region, account, "job", cluster, id);
}

std::string service_arn(std::string_view region, std::string_view account,
                        std::string_view cluster, std::string_view name) {
  return scoped_arn(region, account, "service", cluster, name);
}

std::string service_deployment_arn(std::string_view region, std::string_view account,
                                   std::string_view cluster, std::string_view service,
                                   std::string_view id) {
  return scoped_arn(region, account, "service-deployment", cluster,
                    std::string(service) + "/" + std::string(id));
}

std::string service_revision_arn(std::string_view region, std::string_view account,
                                 std::string_view cluster, std::string_view service,
                                 std::string_view id) {
  return scoped_arn(region, account, "service-revision", cluster,
                    std::string(service) + "/" + std::string(id));
}

std::string task_set_arn(std::string_view region, std::string_view account,
                         std::string_view cluster, std::string_view service, std::string_view id) {
  return scoped_arn(region, account, "task-set", cluster,
                    std::string(service) + "/" + std::string(id));
}

std::string container_arn(std::string_view region, std::string_view account,
                          std::string_view cluster, std::string_view task_id,
                          std::string_view container_id) {
  return scoped_arn(region, account, "container", cluster,
                    std::string(task_id) + "/" + std::string(container_id));
}

std::string scoped_id_from(std::string_view identifier, std::string_view resource_type,
                           std::string_view cluster) {
  if (!identifier.starts_with("arn:")) {
    if (identifier.empty() || identifier.find('/') != std::string_view::npos) {
      throw core::invalid_parameter("Invalid " + std::string(resource_type) + " identifier '" +
                                    std::string(identifier) + "'.");
    }
    return std::string(identifier);
  }
  auto arn = parse_arn(identifier);
  if (!arn || arn->resource_type != resource_type) {
    throw core::invalid_parameter("Invalid " + std::string(resource_type) + " ARN '" +
                                  std::string(identifier) + "'.");
  }
  std::string_view rest = arn->resource_id;
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::string(rest);  // the old ARN format
  if (rest.substr(0, slash) != cluster) {
    throw core::invalid_parameter("The " + std::string(resource_type) + " '" +
                                  std::string(identifier) + "' does not belong to cluster '" +
                                  std::string(cluster) + "'.");
  }
  return std::string(rest.substr(slash + 1));
}

std::string scoped_cluster(std::string_view text, std::string_view otherwise) {
  auto arn = parse_arn(text);
  auto slash = arn ? arn->resource_id.find('/') : std::string::npos;
  if (slash == std::string::npos || slash == 0) return std::string(otherwise);
  return arn->resource_id.substr(0, slash);
}

TaskDefinitionRef parse_task_definition_ref(std::string_view identifier) {
  std::string_view text = identifier;
  if (text.starts_with("arn:")) {
    auto arn = parse_arn(text);
    if (!arn || arn->resource_type != "task-definition" ||
        arn->resource_id.find(':') == std::string::npos) {
      throw core::client_error("Invalid task definition ARN '" + std::string(identifier) +
                               "': expected arn:aws:ecs:<region>:<account>:task-definition/"
                               "<family>:<revision>.");
    }
    return parse_task_definition_ref(arn->resource_id);
  }
  TaskDefinitionRef ref;
  auto colon = text.rfind(':');
  ref.family = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view digits = text.substr(colon + 1);
    int64_t revision = 0;
    bool valid = !digits.empty() && digits.size() <= 10;
    for (char c : digits) {
      valid = valid && c >= '0' && c <= '9';
      if (valid) revision = revision * 10 + (c - '0');
    }
    if (!valid || revision < 1) {
      throw core::client_error("Invalid revision number in '" + std::string(identifier) +
                               "': a revision is a positive integer, as in family:3.");
    }
    ref.revision = revision;
  }
  if (ref.family.empty()) {
    throw core::client_error("Invalid task definition '" + std::string(identifier) +
                             "': name it as family, family:revision or by its ARN.");
  }
  return ref;
}

std::string cluster_name_from(std::string_view identifier) {
  if (!identifier.starts_with("arn:")) return std::string(identifier);
  auto arn = parse_arn(identifier);
  if (!arn || arn->resource_type != "cluster") {
    throw core::invalid_parameter("Invalid cluster identifier: '" + std::string(identifier) +
                                  "'. Specify a cluster name or a cluster ARN.");
  }
  return arn->resource_id;
}

std::string capacity_provider_name_from(std::string_view identifier) {
  auto arn = parse_arn(identifier);
  if (!arn || arn->resource_type != "capacity-provider") return std::string(identifier);
  return arn->resource_id;
}

}  // namespace gantry::core
