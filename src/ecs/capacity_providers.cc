#include "ecs/capacity_providers.h"

#include <algorithm>
#include <set>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/launch_checks.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;

namespace {

bool strategy_names(const json::object& service, std::string_view provider) {
  const json::array* strategy = core::array_member(service, "capacityProviderStrategy");
  if (!strategy) return false;
  return std::any_of(strategy->begin(), strategy->end(), [&](const json::value& item) {
    return item.is_object() && string_member(item.get_object(), "capacityProvider") == provider;
  });
}

}  // namespace

bool is_builtin_capacity_provider(std::string_view name) {
  return std::find(kBuiltinCapacityProviders.begin(), kBuiltinCapacityProviders.end(), name) !=
         kBuiltinCapacityProviders.end();
}

json::object builtin_capacity_provider(std::string_view region, std::string_view account,
                                       std::string_view name) {
  return {{"capacityProviderArn", core::capacity_provider_arn(region, account, name)},
          {"name", name},
          {"status", "ACTIVE"},
          {"tags", json::array{}},
          {"type", name}};  // CapacityProviderType names FARGATE and
                            // FARGATE_SPOT as themselves
}

json::object capacity_provider_view(const json::object& doc, bool with_tags) {
  json::object view = doc;
  if (!with_tags || !view.contains("tags")) view["tags"] = json::array{};
  return view;
}

bool capacity_provider_usable(const state::ClusterState& state, std::string_view name) {
  if (is_builtin_capacity_provider(name)) return true;
  const state::CapacityProviderRecord* record = state.capacity_provider(name);
  return record && record->status() == "ACTIVE";
}

void check_capacity_providers_exist(const state::ClusterState& state,
                                    const json::array& providers) {
  std::set<std::string, std::less<>> named;
  for (const auto& item : providers) {
    std::string name(item.as_string());
    if (!capacity_provider_usable(state, name)) {
      // ECS's words when a cluster names a provider it does not have.
      throw core::invalid_parameter(
          "The specified capacity provider was not found. Specify a valid capacity provider and "
          "try again.");
    }
    if (!named.insert(name).second) {
      throw core::invalid_parameter("The capacity provider '" + name + "' is listed twice.");
    }
  }
}

void check_dropped_providers_unused(const state::ClusterState& state, std::string_view cluster,
                                    const json::array& kept) {
  std::set<std::string, std::less<>> still_listed;
  for (const auto& item : kept) still_listed.insert(std::string(item.as_string()));
  for (const auto& [name, service] : state.services(cluster)) {
    if (service->status() == "INACTIVE") continue;
    const json::array* strategy = core::array_member(service->doc, "capacityProviderStrategy");
    if (!strategy) continue;
    for (const auto& item : *strategy) {
      if (!still_listed.contains(string_member(item.as_object(), "capacityProvider"))) {
        throw core::ApiError("ResourceInUseException",
                             "The specified capacity provider is in use and cannot be removed.");
      }
    }
  }
}

std::optional<std::string> cluster_associated_with(const state::ClusterState& state,
                                                   std::string_view name) {
  for (const auto& [cluster, record] : state.clusters()) {
    if (record->active() && lists_string(record->doc.if_contains("capacityProviders"), name)) {
      return cluster;
    }
  }
  return std::nullopt;
}

std::optional<std::string> service_using(const state::ClusterState& state, std::string_view name) {
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& [service_name, service] : state.services(cluster)) {
      if (service->status() != "INACTIVE" && strategy_names(service->doc, name)) {
        return cluster + "/" + service_name;
      }
    }
  }
  return std::nullopt;
}

}  // namespace gantry::ecs
