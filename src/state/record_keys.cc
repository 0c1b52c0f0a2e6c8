#include "state/record_keys.h"

#include <cstdio>
#include <stdexcept>

namespace gantry::state {

namespace {
// What follows `prefix`, split at its first (or last) '/'.
std::pair<std::string_view, std::string_view> split(std::string_view key, std::string_view prefix,
                                                    bool at_last) {
  std::string_view rest = key.substr(prefix.size());
  auto slash = at_last ? rest.rfind('/') : rest.find('/');
  if (!key.starts_with(prefix) || slash == std::string_view::npos) {
    throw std::runtime_error("bad key " + std::string(key));
  }
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}
}  // namespace

std::string cluster_key(std::string_view name) {
  return std::string(kClusterPrefix) + std::string(name);
}

std::string task_definition_key(std::string_view family, int64_t revision) {
  char padded[24];
  std::snprintf(padded, sizeof padded, "%010lld", static_cast<long long>(revision));
  return std::string(kTaskDefinitionPrefix) + std::string(family) + "/" + padded;
}

std::string account_setting_key(std::string_view principal_arn, std::string_view name) {
  return std::string(kAccountSettingPrefix) + std::string(name) + "/" + std::string(principal_arn);
}

std::string container_instance_key(std::string_view cluster, std::string_view id) {
  return std::string(kContainerInstancePrefix) + std::string(cluster) + "/" + std::string(id);
}

std::string task_key(std::string_view cluster, std::string_view id) {
  return std::string(kTaskPrefix) + std::string(cluster) + "/" + std::string(id);
}

std::string service_key(std::string_view cluster, std::string_view name) {
  return std::string(kServicePrefix) + std::string(cluster) + "/" + std::string(name);
}

std::string job_key(std::string_view cluster, std::string_view id) {
  return std::string(kJobPrefix) + std::string(cluster) + "/" + std::string(id);
}

std::string capacity_provider_key(std::string_view name) {
  return std::string(kCapacityProviderPrefix) + std::string(name);
}

std::pair<std::string, std::string> parse_scoped_key(std::string_view key,
                                                     std::string_view prefix) {
  auto [cluster, id] = split(key, prefix, false);
  return {std::string(cluster), std::string(id)};
}

std::pair<std::string, int64_t> parse_task_definition_key(std::string_view key) {
  auto [family, revision] = split(key, kTaskDefinitionPrefix, true);
  try {
    return {std::string(family), std::stoll(std::string(revision))};
  } catch (const std::exception&) {
    throw std::runtime_error("bad key " + std::string(key));
  }
}

std::pair<std::string, std::string> parse_account_setting_key(std::string_view key) {
  auto [name, principal] = split(key, kAccountSettingPrefix, false);
  return {std::string(name), std::string(principal)};
}

}  // namespace gantry::state
