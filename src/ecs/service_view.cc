#include "ecs/service_view.h"

#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/service_deployments.h"
#include "ecs/task_sets.h"
#include "model/task_lifecycle.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;

namespace {

ServiceTaskCounts count(const std::vector<const state::TaskRecord*>& tasks) {
  ServiceTaskCounts counts;
  for (const auto* task : tasks) {
    auto status = model::parse_task_status(task->last_status());
    if (!status) continue;
    if (*status == model::TaskStatus::kRunning) ++counts.running;
    if (model::is_pending(*status)) ++counts.pending;
  }
  return counts;
}

// ECS's currentServiceRevisions: one per deployment, with its task counts.
json::array current_revisions(const json::object& service, const std::string& region,
                              const std::string& account, std::string_view cluster,
                              const std::string& name) {
  json::array revisions;
  for (const auto& d : service.at("deployments").as_array()) {
    const json::object& deployment = d.as_object();
    std::string id = string_member(deployment, "id");
    revisions.push_back(json::object{
        {"arn", core::service_revision_arn(region, account, cluster, name, deployment_number(id))},
        {"requestedTaskCount", deployment.at("desiredCount")},
        {"runningTaskCount", deployment.at("runningCount")},
        {"pendingTaskCount", deployment.at("pendingCount")}});
  }
  return revisions;
}

}  // namespace

std::string service_group(std::string_view name) { return "service:" + std::string(name); }

ServiceTaskCounts service_task_counts(const state::ClusterState& state, std::string_view cluster,
                                      std::string_view name) {
  return count(state.tasks_in_group(cluster, service_group(name)));
}

ServiceTaskCounts deployment_task_counts(const state::ClusterState& state, std::string_view cluster,
                                         std::string_view deployment_id) {
  return count(state.tasks_started_by(cluster, deployment_id));
}

json::object render_service(const state::ClusterState& state, const state::ServiceRecord& record,
                            bool include_tags) {
  json::object service = record.doc;
  const std::string name = record.name();
  ServiceTaskCounts counts = service_task_counts(state, record.cluster, name);
  service["runningCount"] = counts.running;
  service["pendingCount"] = counts.pending;
  json::value& deployments = service["deployments"];
  if (!deployments.is_array()) deployments.emplace_array();
  for (auto& d : deployments.get_array()) {
    json::object& deployment = d.as_object();
    ServiceTaskCounts of =
        deployment_task_counts(state, record.cluster, string_member(deployment, "id"));
    deployment["runningCount"] = of.running;
    deployment["pendingCount"] = of.pending;
  }
  auto arn = core::parse_arn(record.arn());
  if (arn && record.status() != "INACTIVE") {
    if (const json::object* primary = primary_deployment(service)) {
      service["currentServiceDeployment"] =
          core::service_deployment_arn(arn->region, arn->account_id, record.cluster, name,
                                       deployment_number(string_member(*primary, "id")));
    }
    service["currentServiceRevisions"] =
        current_revisions(service, arn->region, arn->account_id, record.cluster, name);
  }
  if (uses_task_sets(record.doc)) {
    // Its task sets run its tasks; it has no deployments of its own, and
    // ECS lists none.
    service["taskSets"] = render_task_sets(state, record.cluster, record.doc, include_tags);
  }
  if (!include_tags) service.erase("tags");
  return service;
}

std::string service_name_from(std::string_view identifier, std::string_view cluster) {
  if (!identifier.starts_with("arn:")) return std::string(identifier);
  auto arn = core::parse_arn(identifier);
  if (!arn || arn->resource_type != "service") return {};
  std::string_view rest = arn->resource_id;
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::string(rest);  // the short ARN format
  if (rest.substr(0, slash) != cluster) return {};
  return std::string(rest.substr(slash + 1));
}

const state::ServiceRecord* find_service(const state::ClusterState& state, std::string_view cluster,
                                         std::string_view identifier) {
  std::string name = service_name_from(identifier, cluster);
  return name.empty() ? nullptr : state.service(cluster, name);
}

}  // namespace gantry::ecs
