#include "ecs/service_deployment_view.h"

#include <algorithm>

#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/service_deployments.h"
#include "ecs/service_view.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;

namespace {

struct ServiceNames {
  std::string region, account, cluster, name;
};

ServiceNames names_of(const state::ServiceRecord& service) {
  auto arn = core::parse_arn(service.arn());
  return {arn ? arn->region : "", arn ? arn->account_id : "", service.cluster, service.name()};
}

std::string deployment_arn(const ServiceNames& n, const json::object& deployment) {
  return core::service_deployment_arn(n.region, n.account, n.cluster, n.name,
                                      deployment_number(string_member(deployment, "id")));
}

std::string revision_arn(const ServiceNames& n, const json::object& deployment) {
  return core::service_revision_arn(n.region, n.account, n.cluster, n.name,
                                    deployment_number(string_member(deployment, "id")));
}

// ECS's ServiceRevisionSummary: a revision and its tasks.
json::object revision_summary(const state::ClusterState& state, const ServiceNames& n,
                              const json::object& deployment) {
  ServiceTaskCounts counts =
      deployment_task_counts(state, n.cluster, string_member(deployment, "id"));
  return {{"arn", revision_arn(n, deployment)},
          {"requestedTaskCount", deployment.at("desiredCount")},
          {"runningTaskCount", counts.running},
          {"pendingTaskCount", counts.pending}};
}

bool finished(const json::object& deployment) {
  std::string rollout = string_member(deployment, "rolloutState");
  return rollout == "COMPLETED" || rollout == "FAILED";
}

std::string status_reason(const json::object& deployment) {
  if (service_deployment_status(deployment) == "STOPPED" &&
      string_member(deployment, "rolloutState") == "IN_PROGRESS") {
    return "A newer deployment of the service stopped this one.";
  }
  return string_member(deployment, "rolloutStateReason");
}

// ECS's circuit breaker threshold: max(3, min(200, ceil(0.5 * desired))).
int64_t failure_threshold(int64_t desired) {
  return std::max<int64_t>(3, std::min<int64_t>(200, (desired + 1) / 2));
}

}  // namespace

const json::object* find_deployment(const state::ServiceRecord& service, std::string_view number) {
  auto* deployments = core::array_member(service.doc, "deployments");
  if (!deployments) return nullptr;
  for (const auto& d : *deployments) {
    const json::object& deployment = d.as_object();
    if (deployment_number(string_member(deployment, "id")) == number) return &deployment;
  }
  return nullptr;
}

std::string_view service_deployment_status(const json::object& deployment) {
  std::string rollout = string_member(deployment, "rolloutState");
  if (rollout == "COMPLETED") return "SUCCESSFUL";
  if (rollout == "FAILED") return "STOPPED";
  return string_member(deployment, "status") == "PRIMARY" ? "IN_PROGRESS" : "STOPPED";
}

json::object render_service_deployment_brief(const state::ServiceRecord& service,
                                             const json::object& deployment) {
  ServiceNames n = names_of(service);
  json::object brief{{"serviceDeploymentArn", deployment_arn(n, deployment)},
                     {"serviceArn", service.arn()},
                     {"clusterArn", service.doc.at("clusterArn")},
                     {"startedAt", deployment.at("createdAt")},
                     {"createdAt", deployment.at("createdAt")}};
  if (finished(deployment)) brief["finishedAt"] = deployment.at("updatedAt");
  brief["targetServiceRevisionArn"] = revision_arn(n, deployment);
  brief["status"] = service_deployment_status(deployment);
  if (std::string reason = status_reason(deployment); !reason.empty()) {
    brief["statusReason"] = std::move(reason);
  }
  return brief;
}

json::object render_service_deployment(const state::ClusterState& state,
                                       const state::ServiceRecord& service,
                                       const json::object& deployment) {
  ServiceNames n = names_of(service);
  json::object out = render_service_deployment_brief(service, deployment);
  out.erase("targetServiceRevisionArn");
  out["updatedAt"] = deployment.at("updatedAt");
  // The source revisions: the older deployments still running tasks.
  json::array sources;
  const double created = deployment.at("createdAt").to_number<double>();
  for (const auto& d : service.doc.at("deployments").as_array()) {
    const json::object& other = d.as_object();
    if (&other != &deployment && other.at("createdAt").to_number<double>() < created) {
      sources.push_back(revision_summary(state, n, other));
    }
  }
  out["sourceServiceRevisions"] = std::move(sources);
  out["targetServiceRevision"] = revision_summary(state, n, deployment);
  const json::object* config = core::object_member(service.doc, "deploymentConfiguration");
  if (config) out["deploymentConfiguration"] = *config;
  const json::object* breaker =
      config ? core::object_member(*config, "deploymentCircuitBreaker") : nullptr;
  bool enabled = breaker && core::bool_member(*breaker, "enable", false);
  std::string breaker_status = "DISABLED";
  if (enabled) {
    breaker_status =
        string_member(deployment, "rolloutState") == "FAILED" ? "TRIGGERED" : "MONITORING";
  }
  out["deploymentCircuitBreaker"] = json::object{
      {"status", breaker_status},
      {"failureCount", core::int_member(deployment, "failedTasks", 0)},
      {"threshold", failure_threshold(core::int_member(deployment, "desiredCount", 0))}};
  return out;
}

json::object render_service_revision(const state::ClusterState& state,
                                     const state::ServiceRecord& service,
                                     const json::object& deployment) {
  ServiceNames n = names_of(service);
  json::object revision{{"serviceRevisionArn", revision_arn(n, deployment)},
                        {"serviceArn", service.arn()},
                        {"clusterArn", service.doc.at("clusterArn")},
                        {"taskDefinition", deployment.at("taskDefinition")}};
  for (std::string_view member :
       {"capacityProviderStrategy", "launchType", "platformVersion", "platformFamily"}) {
    if (auto* v = deployment.if_contains(member)) revision[member] = *v;
  }
  for (std::string_view member : {"loadBalancers", "serviceRegistries"}) {
    if (auto* v = service.doc.if_contains(member)) revision[member] = *v;
  }
  if (auto* v = deployment.if_contains("networkConfiguration")) {
    revision["networkConfiguration"] = *v;
  }
  json::array images;
  core::TaskDefinitionRef ref =
      core::parse_task_definition_ref(string_member(deployment, "taskDefinition"));
  if (const auto* definition =
          ref.revision ? state.task_definition(ref.family, *ref.revision) : nullptr) {
    for (const auto& c : definition->doc.at("containerDefinitions").as_array()) {
      images.push_back(json::object{{"containerName", string_member(c.as_object(), "name")},
                                    {"image", string_member(c.as_object(), "image")}});
    }
  }
  revision["containerImages"] = std::move(images);
  revision["guardDutyEnabled"] = false;
  for (std::string_view member : kDeploymentOnlyMembers) {
    if (auto* v = deployment.if_contains(member)) revision[member] = *v;
  }
  revision["createdAt"] = deployment.at("createdAt");
  return revision;
}

}  // namespace gantry::ecs
