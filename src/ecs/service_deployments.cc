#include "ecs/service_deployments.h"

#include <algorithm>

#include "core/json_members.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;

namespace {

// The platform a FARGATE deployment resolves LATEST to, as ECS shows it.
constexpr std::string_view kLatestFargatePlatform = "1.4.0";

json::array& array_at(json::object& doc, std::string_view name) {
  json::value& v = doc[name];
  if (!v.is_array()) v.emplace_array();
  return v.get_array();
}

}  // namespace

std::string new_deployment_id(core::Random& ids) {
  // 19 digits, the first not zero: 10^18 + a number below 9 * 10^18.
  constexpr uint64_t kLow = 1'000'000'000'000'000'000ULL;
  return std::string(kDeploymentPrefix) + std::to_string(kLow + ids.next() % (9 * kLow));
}

std::string_view deployment_number(std::string_view deployment_id) {
  return deployment_id.starts_with(kDeploymentPrefix)
             ? deployment_id.substr(kDeploymentPrefix.size())
             : deployment_id;
}

std::string rollout_in_progress_reason(std::string_view deployment_id) {
  return "ECS deployment " + std::string(deployment_id) + " in progress.";
}

json::object new_deployment(const Context& context, const json::object& service,
                            const json::object& extra) {
  const double now = context.now_seconds();
  std::string id = new_deployment_id(context.ids);
  json::object deployment{{"id", id},
                          {"status", "PRIMARY"},
                          {"taskDefinition", service.at("taskDefinition")},
                          {"desiredCount", service.at("desiredCount")},
                          {"failedTasks", 0},
                          {"createdAt", now},
                          {"updatedAt", now}};
  for (std::string_view member : {"capacityProviderStrategy", "launchType"}) {
    if (auto* v = service.if_contains(member)) deployment[member] = *v;
  }
  if (auto* platform = service.if_contains("platformVersion")) {
    deployment["platformVersion"] =
        *platform == "LATEST" ? json::value(kLatestFargatePlatform) : *platform;
  }
  if (auto* family = service.if_contains("platformFamily")) deployment["platformFamily"] = *family;
  if (auto* network = service.if_contains("networkConfiguration")) {
    deployment["networkConfiguration"] = *network;
  }
  deployment["rolloutState"] = "IN_PROGRESS";
  deployment["rolloutStateReason"] = rollout_in_progress_reason(id);
  for (std::string_view member : kDeploymentOnlyMembers) {
    if (auto* v = extra.if_contains(member)) deployment[member] = *v;
  }
  return deployment;
}

void start_deployment(json::object& service, json::object deployment, double now) {
  json::array& deployments = array_at(service, "deployments");
  for (auto& d : deployments) {
    json::object& existing = d.as_object();
    if (existing["status"] == "PRIMARY") {
      existing["status"] = "ACTIVE";
      existing["updatedAt"] = now;
    }
  }
  deployments.insert(deployments.begin(), std::move(deployment));
}

bool remove_deployment(json::object& service, std::string_view id) {
  json::array& deployments = array_at(service, "deployments");
  for (auto it = deployments.begin(); it != deployments.end(); ++it) {
    if (it->is_object() && string_member(it->get_object(), "id") == id) {
      deployments.erase(it);
      return true;
    }
  }
  return false;
}

const json::object* deployment_memory(const state::ServiceRecord& service, std::string_view id) {
  return core::object_member(service.scheduler, id);
}

json::object& deployment_memory(state::ServiceRecord& service, std::string_view id) {
  json::value& memory = service.scheduler[id];
  if (!memory.is_object()) memory.emplace_object();
  return memory.get_object();
}

const json::array* deployment_history(const state::ServiceRecord& service) {
  return core::array_member(service.scheduler, kDeploymentHistoryKey);
}

void drop_deployment(state::ServiceRecord& service, std::string_view id,
                     std::string_view final_status) {
  json::array& deployments = array_at(service.doc, "deployments");
  auto it = std::find_if(deployments.begin(), deployments.end(), [&](const json::value& d) {
    return d.is_object() && string_member(d.get_object(), "id") == id;
  });
  if (it == deployments.end()) return;
  json::object entry{{"deployment", std::move(*it)}, {"status", final_status}};
  deployments.erase(it);
  if (auto memory = service.scheduler.find(id); memory != service.scheduler.end()) {
    entry["memory"] = std::move(memory->value());
    entry["memory"].as_object().erase("lastFailureAt");  // the scheduler's alone
    service.scheduler.erase(memory);
  }
  json::array& history = array_at(service.scheduler, kDeploymentHistoryKey);
  history.insert(history.begin(), std::move(entry));
  if (history.size() > kMaxDeploymentHistory) history.resize(kMaxDeploymentHistory);
}

json::object* primary_deployment(json::object& service) {
  auto* deployments = service.if_contains("deployments");
  if (!deployments || !deployments->is_array()) return nullptr;
  for (auto& d : deployments->get_array()) {
    if (d.is_object() && string_member(d.get_object(), "status") == "PRIMARY") {
      return &d.get_object();
    }
  }
  return nullptr;
}

const json::object* primary_deployment(const json::object& service) {
  return primary_deployment(const_cast<json::object&>(service));
}

void set_rollout_state(json::object& deployment, std::string_view state, std::string reason,
                       double now) {
  deployment["rolloutState"] = state;
  deployment["rolloutStateReason"] = std::move(reason);
  deployment["updatedAt"] = now;
}

void add_service_event(json::object& service, core::Random& ids, double now, std::string message) {
  json::array& events = array_at(service, "events");
  events.insert(
      events.begin(),
      json::object{{"id", ids.uuid()}, {"createdAt", now}, {"message", std::move(message)}});
  if (events.size() > kMaxServiceEvents) events.resize(kMaxServiceEvents);
}

}  // namespace gantry::ecs
