// CreateCluster, DescribeClusters, ListClusters, UpdateCluster,
// UpdateClusterSettings, PutClusterCapacityProviders, DeleteCluster.
#include <regex>
#include <set>

#include "core/arn.h"
#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/capacity_provider_strategy.h"
#include "ecs/capacity_providers.h"
#include "ecs/tags.h"
#include "core/error.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterRecord;
using state::ClusterState;

namespace {

constexpr std::string_view kDefaultCluster = "default";

void validate_cluster_name(const std::string& name) {
  static const std::regex pattern("[a-zA-Z0-9_-]{1,255}");
  if (!std::regex_match(name, pattern)) {
    throw core::invalid_parameter(
        "Invalid cluster name '" + name +
        "': up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are "
        "allowed.");
  }
}

void validate_settings(const json::array& settings) {
  for (const auto& setting : settings) {
    const auto& s = setting.as_object();
    std::string name = string_member(s, "name");
    std::string value = string_member(s, "value");
    if (name == "containerInsights" && value != "enabled" && value != "disabled" &&
        value != "enhanced") {
      throw core::invalid_parameter("The containerInsights setting must be 'enabled', "
                                    "'disabled' or 'enhanced', got '" + value + "'.");
    }
  }
}

json::array merge_settings(const json::array& current, const json::array& updates) {
  json::array merged = current;
  for (const auto& update : updates) {
    std::string name = string_member(update.as_object(), "name");
    bool replaced = false;
    for (auto& existing : merged) {
      if (string_member(existing.as_object(), "name") == name) {
        existing = update;
        replaced = true;
      }
    }
    if (!replaced) merged.push_back(update);
  }
  return merged;
}

// FARGATE, FARGATE_SPOT and created ACTIVE providers; the strategy's
// providers must be among them.
void validate_capacity_providers(const ClusterState& state, const json::array* providers,
                                 const json::array* strategy) {
  std::set<std::string> named;
  if (providers) {
    ecs::check_capacity_providers_exist(state, *providers);
    for (const auto& p : *providers) named.insert(std::string(p.as_string()));
  }
  if (!strategy) return;
  std::vector<ecs::CapacityProviderItem> items = ecs::strategy_of(*strategy);
  ecs::check_strategy_shape(items);
  for (const auto& item : items) {
    if (!named.contains(item.capacity_provider)) {
      throw core::invalid_parameter(
          "The capacity provider strategy names '" + item.capacity_provider +
          "', which is not associated with the cluster. Add it to capacityProviders first.");
    }
  }
}

// Members that DescribeClusters returns only when `include` asks for them.
json::object render_cluster(const ClusterRecord& record, const state::ClusterCounts& counts,
                            const std::set<std::string>& include, bool everything) {
  json::object cluster = record.doc;
  cluster["registeredContainerInstancesCount"] = counts.registered_instances;
  cluster["runningTasksCount"] = counts.running_tasks;
  cluster["pendingTasksCount"] = counts.pending_tasks;
  cluster["activeServicesCount"] = counts.active_services;
  json::array statistics;
  if (everything || include.contains("STATISTICS")) {
    for (const char* name :
         {"runningEC2TasksCount", "runningFargateTasksCount", "pendingEC2TasksCount",
          "pendingFargateTasksCount", "activeEC2ServiceCount", "activeFargateServiceCount",
          "drainingEC2ServiceCount", "drainingFargateServiceCount"}) {
      statistics.push_back(json::object{{"name", name}, {"value", "0"}});
    }
  }
  cluster["statistics"] = std::move(statistics);
  if (!everything && !include.contains("TAGS")) cluster["tags"] = json::array();
  if (!everything && !include.contains("SETTINGS")) cluster.erase("settings");
  if (!everything && !include.contains("CONFIGURATIONS")) cluster.erase("configuration");
  if (!everything && !include.contains("ATTACHMENTS")) {
    cluster.erase("attachments");
    cluster.erase("attachmentsStatus");
  }
  return cluster;
}

json::object single_cluster_response(const ClusterRecord& record, const ClusterState& state) {
  return json::object{{"cluster", render_cluster(record, state.counts(record.name()), {}, true)}};
}

const ClusterRecord& active_cluster(const ClusterState& state, const json::object& body) {
  std::string name = core::cluster_name_from(string_member(body, "cluster", kDefaultCluster));
  const ClusterRecord* record = state.cluster(name);
  if (!record) throw core::cluster_not_found();
  if (!record->active()) {
    throw core::invalid_parameter("The specified cluster is inactive. Specify an active cluster "
                                  "and try again.");
  }
  return *record;
}

state::Outcome updated(ClusterRecord record, const ClusterState& state) {
  std::string key = state::cluster_key(record.name());
  json::object response = single_cluster_response(record, state);
  return {{state::put_change(std::move(key), std::move(record))}, std::move(response)};
}

state::Outcome create_cluster(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string name = string_member(body, "clusterName", kDefaultCluster);
  validate_cluster_name(name);
  if (const ClusterRecord* existing = state.cluster(name); existing && existing->active()) {
    return {{}, single_cluster_response(*existing, state)};  // CreateCluster is idempotent by name
  }
  const json::array empty;
  const json::array* tags = array_member(body, "tags");
  const json::array* settings = array_member(body, "settings");
  const json::array* providers = array_member(body, "capacityProviders");
  const json::array* strategy = array_member(body, "defaultCapacityProviderStrategy");
  if (tags) ecs::validate_tags(*tags);
  if (settings) validate_settings(*settings);
  validate_capacity_providers(state, providers, strategy);

  json::array effective_settings{json::object{{"name", "containerInsights"}, {"value", "disabled"}}};
  json::object doc{
      {"clusterArn", core::cluster_arn(context.region, context.account_id, name)},
      {"clusterName", name},
      {"status", "ACTIVE"},
      {"tags", tags ? *tags : empty},
      {"settings", settings ? merge_settings(effective_settings, *settings) : effective_settings},
      {"capacityProviders", providers ? *providers : empty},
      {"defaultCapacityProviderStrategy", strategy ? *strategy : empty},
  };
  if (auto* configuration = body.if_contains("configuration")) doc["configuration"] = *configuration;
  if (auto* defaults = body.if_contains("serviceConnectDefaults")) {
    doc["serviceConnectDefaults"] = *defaults;
  }
  return updated(ClusterRecord{std::move(doc)}, state);
}

json::object describe_clusters(const RequestContext& context, const ClusterState& state) {
  std::set<std::string> include;
  if (auto* items = array_member(context.body, "include")) {
    for (const auto& item : *items) include.insert(std::string(item.as_string()));
  }
  json::array requested{kDefaultCluster};
  if (auto* clusters = array_member(context.body, "clusters"); clusters && !clusters->empty()) {
    requested = *clusters;
  }
  if (requested.size() > 100) {
    throw core::invalid_parameter("DescribeClusters accepts at most 100 clusters per request.");
  }
  json::array clusters, failures;
  for (const auto& identifier : requested) {
    std::string name = core::cluster_name_from(identifier.as_string());
    if (const ClusterRecord* record = state.cluster(name)) {
      clusters.push_back(render_cluster(*record, state.counts(name), include, false));
    } else {
      failures.push_back(
          json::object{{"arn", core::cluster_arn(context.region, context.account_id, name)},
                       {"reason", "MISSING"}});
    }
  }
  return {{"clusters", std::move(clusters)}, {"failures", std::move(failures)}};
}

json::object list_clusters(const RequestContext& context, const ClusterState& state) {
  PageRequest page = read_page_request(context.body);
  json::array arns;
  json::object response;
  std::vector<const ClusterRecord*> active;
  for (const auto& [name, record] : state.clusters()) {
    if (record->active()) active.push_back(record.get());
  }
  paginate(
      page, active, [](const ClusterRecord* r) { return r->name(); },
      [&](const ClusterRecord* r) { arns.push_back(r->doc.at("clusterArn")); }, response);
  response["clusterArns"] = std::move(arns);
  return response;
}

state::Outcome update_cluster(const RequestContext& context, const ClusterState& state) {
  ClusterRecord record = active_cluster(state, context.body);
  if (auto* settings = array_member(context.body, "settings")) {
    validate_settings(*settings);
    record.doc["settings"] = merge_settings(record.doc["settings"].as_array(), *settings);
  }
  if (auto* configuration = context.body.if_contains("configuration")) {
    record.doc["configuration"] = *configuration;
  }
  if (auto* defaults = context.body.if_contains("serviceConnectDefaults")) {
    record.doc["serviceConnectDefaults"] = *defaults;
  }
  return updated(std::move(record), state);
}

state::Outcome update_cluster_settings(const RequestContext& context, const ClusterState& state) {
  ClusterRecord record = active_cluster(state, context.body);
  const json::array& settings = *array_member(context.body, "settings");
  validate_settings(settings);
  record.doc["settings"] = merge_settings(record.doc["settings"].as_array(), settings);
  return updated(std::move(record), state);
}

state::Outcome put_capacity_providers(const RequestContext& context, const ClusterState& state) {
  ClusterRecord record = active_cluster(state, context.body);
  const json::array* providers = array_member(context.body, "capacityProviders");
  const json::array* strategy = array_member(context.body, "defaultCapacityProviderStrategy");
  validate_capacity_providers(state, providers, strategy);
  ecs::check_dropped_providers_unused(state, record.name(), *providers);
  record.doc["capacityProviders"] = *providers;
  record.doc["defaultCapacityProviderStrategy"] = *strategy;
  return updated(std::move(record), state);
}

state::Outcome delete_cluster(const RequestContext& context, const ClusterState& state) {
  ClusterRecord record = active_cluster(state, context.body);
  state::ClusterCounts counts = state.counts(record.name());
  if (counts.registered_instances > 0) {
    throw core::ApiError("ClusterContainsContainerInstancesException",
                         "The Cluster cannot be deleted while Container Instances are active or "
                         "draining.");
  }
  if (counts.active_services + counts.draining_services > 0) {
    throw core::ApiError("ClusterContainsServicesException",
                         "The Cluster cannot be deleted while Services are active.");
  }
  if (counts.running_tasks + counts.pending_tasks > 0) {
    throw core::ApiError("ClusterContainsTasksException",
                         "The Cluster cannot be deleted while Tasks are active.");
  }
  // ECS keeps a deleted cluster describable as INACTIVE.
  record.doc["status"] = "INACTIVE";
  return updated(std::move(record), state);
}

}  // namespace

void register_cluster_handlers(Router& router, Services services) {
  router.add("CreateCluster", write_handler(services, create_cluster));
  router.add("DescribeClusters", read_handler(services, describe_clusters));
  router.add("ListClusters", read_handler(services, list_clusters));
  router.add("UpdateCluster", write_handler(services, update_cluster));
  router.add("UpdateClusterSettings", write_handler(services, update_cluster_settings));
  router.add("PutClusterCapacityProviders", write_handler(services, put_capacity_providers));
  router.add("DeleteCluster", write_handler(services, delete_cluster));
}

}  // namespace gantry::api
