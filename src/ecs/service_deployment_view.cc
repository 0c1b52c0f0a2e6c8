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

std::string status_reason(const ServiceDeploymentEntry& entry, std::string_view status) {
  const json::object& deployment = *entry.deployment;
  if (status == "STOP_REQUESTED" || status == "ROLLBACK_REQUESTED") {
    return std::string(kStopRequestedReason);
  }
  if (status == "STOPPED" && string_member(deployment, "rolloutState") == "IN_PROGRESS" &&
      !(entry.memory && entry.memory->contains("stoppedAt"))) {
    return "A newer deployment of the service stopped this one.";
  }
  return string_member(deployment, "rolloutStateReason");
}

// How the deployment a rollback returned to stands: its rolloutState while
// the service shows it, else SUCCESSFUL or not from the history.
std::string rollback_target_state(const state::ServiceRecord& service, std::string_view id) {
  if (id.empty()) return "FAILED";
  for (const auto& d : service.doc.at("deployments").as_array()) {
    if (string_member(d.as_object(), "id") == id) {
      return string_member(d.as_object(), "rolloutState");
    }
  }
  if (const auto* history = deployment_history(service)) {
    for (const auto& h : *history) {
      const json::object& past = h.as_object();
      if (string_member(past.at("deployment").as_object(), "id") == id) {
        return string_member(past, "status") == "SUCCESSFUL" ? "COMPLETED" : "FAILED";
      }
    }
  }
  return "FAILED";
}

// ECS's circuit breaker threshold: max(3, min(200, ceil(0.5 * desired))).
int64_t failure_threshold(int64_t desired) {
  return std::max<int64_t>(3, std::min<int64_t>(200, (desired + 1) / 2));
}

}  // namespace

ServiceDeploymentEntry live_entry(const state::ServiceRecord& service,
                                  const json::object& deployment) {
  return {&deployment, deployment_memory(service, string_member(deployment, "id")), {}};
}

std::vector<ServiceDeploymentEntry> service_deployments(const state::ServiceRecord& service) {
  std::vector<ServiceDeploymentEntry> entries;
  if (auto* deployments = core::array_member(service.doc, "deployments")) {
    for (const auto& d : *deployments) entries.push_back(live_entry(service, d.as_object()));
  }
  if (const auto* history = deployment_history(service)) {
    for (const auto& h : *history) {
      const json::object& past = h.as_object();
      const json::value* status = past.if_contains("status");
      entries.push_back({&past.at("deployment").as_object(), core::object_member(past, "memory"),
                         status && status->is_string() ? std::string_view(status->get_string())
                                                       : std::string_view("STOPPED")});
    }
  }
  return entries;
}

std::optional<ServiceDeploymentEntry> find_service_deployment(const state::ServiceRecord& service,
                                                              std::string_view number) {
  for (const auto& entry : service_deployments(service)) {
    if (deployment_number(string_member(*entry.deployment, "id")) == number) return entry;
  }
  return std::nullopt;
}

const json::object* find_deployment(const state::ServiceRecord& service, std::string_view number) {
  auto* deployments = core::array_member(service.doc, "deployments");
  if (!deployments) return nullptr;
  for (const auto& d : *deployments) {
    const json::object& deployment = d.as_object();
    if (deployment_number(string_member(deployment, "id")) == number) return &deployment;
  }
  return nullptr;
}

std::string service_deployment_status(const state::ServiceRecord& service,
                                      const ServiceDeploymentEntry& entry) {
  if (!entry.final_status.empty()) return std::string(entry.final_status);
  const json::object& deployment = *entry.deployment;
  if (const json::object* memory = entry.memory) {
    std::string requested = string_member(*memory, "stopRequested");
    if (requested == "ROLLBACK") return "ROLLBACK_REQUESTED";
    if (requested == "ABORT") return "STOP_REQUESTED";
    if (const json::object* rollback = core::object_member(*memory, "rollback")) {
      std::string target = rollback_target_state(service, string_member(*rollback, "deploymentId"));
      if (target == "COMPLETED") return "ROLLBACK_SUCCESSFUL";
      return target == "FAILED" ? "ROLLBACK_FAILED" : "ROLLBACK_IN_PROGRESS";
    }
    if (memory->contains("stoppedAt")) return "STOPPED";
  }
  std::string rollout = string_member(deployment, "rolloutState");
  if (rollout == "COMPLETED") return "SUCCESSFUL";
  if (rollout == "FAILED") return "STOPPED";
  return string_member(deployment, "status") == "PRIMARY" ? "IN_PROGRESS" : "STOPPED";
}

bool service_deployment_finished(std::string_view status) {
  return status == "SUCCESSFUL" || status == "STOPPED" || status == "ROLLBACK_SUCCESSFUL" ||
         status == "ROLLBACK_FAILED";
}

json::object render_service_deployment_brief(const state::ServiceRecord& service,
                                             const ServiceDeploymentEntry& entry) {
  const json::object& deployment = *entry.deployment;
  const std::string status = service_deployment_status(service, entry);
  ServiceNames n = names_of(service);
  json::object brief{{"serviceDeploymentArn", deployment_arn(n, deployment)},
                     {"serviceArn", service.arn()},
                     {"clusterArn", service.doc.at("clusterArn")},
                     {"startedAt", deployment.at("createdAt")},
                     {"createdAt", deployment.at("createdAt")}};
  if (service_deployment_finished(status)) brief["finishedAt"] = deployment.at("updatedAt");
  brief["targetServiceRevisionArn"] = revision_arn(n, deployment);
  brief["status"] = status;
  if (std::string reason = status_reason(entry, status); !reason.empty()) {
    brief["statusReason"] = std::move(reason);
  }
  return brief;
}

json::object render_service_deployment(const state::ClusterState& state,
                                       const state::ServiceRecord& service,
                                       const ServiceDeploymentEntry& entry) {
  const json::object& deployment = *entry.deployment;
  ServiceNames n = names_of(service);
  json::object out = render_service_deployment_brief(service, entry);
  out.erase("targetServiceRevisionArn");
  out["updatedAt"] = deployment.at("updatedAt");
  if (const json::object* memory = entry.memory) {
    if (auto* stopped = memory->if_contains("stoppedAt")) out["stoppedAt"] = *stopped;
    if (const json::object* rollback = core::object_member(*memory, "rollback")) {
      json::object shown{{"reason", string_member(*rollback, "reason")},
                         {"startedAt", rollback->at("startedAt")}};
      std::string to = string_member(*rollback, "deploymentId");
      if (!to.empty()) {
        shown["serviceRevisionArn"] = core::service_revision_arn(n.region, n.account, n.cluster,
                                                                 n.name, deployment_number(to));
      }
      out["rollback"] = std::move(shown);
    }
  }
  // The source revisions: the older deployments still running tasks.
  json::array sources;
  const double created = deployment.at("createdAt").to_number<double>();
  const bool finished = !entry.final_status.empty();
  for (const auto& d : service.doc.at("deployments").as_array()) {
    const json::object& other = d.as_object();
    if (!finished && &other != &deployment && other.at("createdAt").to_number<double>() < created) {
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
    // A FAILED deployment the breaker did not stop was stopped by a request.
    bool tripped = string_member(deployment, "rolloutState") == "FAILED" &&
                   string_member(deployment, "rolloutStateReason") != kStoppedByRequestReason;
    breaker_status = tripped ? "TRIGGERED" : "MONITORING";
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
