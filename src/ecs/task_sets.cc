#include "ecs/task_sets.h"

#include <cmath>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/service_deployments.h"
#include "ecs/service_view.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::string_member;

namespace {

bool matches(const json::object& task_set, std::string_view identifier) {
  return string_member(task_set, "id") == identifier ||
         string_member(task_set, "taskSetArn") == identifier;
}

double scale_value(const json::object& task_set) {
  const auto* scale = core::object_member(task_set, "scale");
  const auto* value = scale ? scale->if_contains("value") : nullptr;
  return value && value->is_number() ? value->to_number<double>() : 0.0;
}

// The TaskSet shape's members in botocore's order; the counts are added
// where they belong.
constexpr std::string_view kShownMembers[] = {"id",
                                              "taskSetArn",
                                              "serviceArn",
                                              "clusterArn",
                                              "startedBy",
                                              "externalId",
                                              "status",
                                              "taskDefinition",
                                              "computedDesiredCount",
                                              "pendingCount",
                                              "runningCount",
                                              "createdAt",
                                              "updatedAt",
                                              "launchType",
                                              "capacityProviderStrategy",
                                              "platformVersion",
                                              "platformFamily",
                                              "networkConfiguration",
                                              "loadBalancers",
                                              "serviceRegistries",
                                              "scale",
                                              "stabilityStatus",
                                              "stabilityStatusAt",
                                              "tags",
                                              "fargateEphemeralStorage"};

}  // namespace

std::string deployment_controller_type(const json::object& service) {
  const auto* controller = core::object_member(service, "deploymentController");
  return controller ? string_member(*controller, "type", "ECS") : "ECS";
}

bool uses_task_sets(const json::object& service) {
  std::string type = deployment_controller_type(service);
  return type == "EXTERNAL" || type == "CODE_DEPLOY";
}

json::array& task_sets(json::object& service) {
  json::value& v = service["taskSets"];
  if (!v.is_array()) v.emplace_array();
  return v.get_array();
}

const json::array* task_sets(const json::object& service) {
  return core::array_member(service, "taskSets");
}

json::object* find_task_set(json::object& service, std::string_view identifier) {
  for (auto& t : task_sets(service)) {
    if (t.is_object() && matches(t.get_object(), identifier)) return &t.get_object();
  }
  return nullptr;
}

const json::object* find_task_set(const json::object& service, std::string_view identifier) {
  const auto* all = task_sets(service);
  if (!all) return nullptr;
  for (const auto& t : *all) {  // by reference: the pointer returned points into the service
    if (t.is_object() && matches(t.get_object(), identifier)) return &t.get_object();
  }
  return nullptr;
}

int64_t computed_desired_count(const json::object& service, const json::object& task_set) {
  if (string_member(task_set, "status") == "DRAINING") return 0;
  const double desired = static_cast<double>(core::int_member(service, "desiredCount", 0));
  // A hair below the next integer is that integer: 3 x 33.34 % is 1.0002
  // (2 tasks), but 10 x 70 % must not become 7.000000001 (8 tasks).
  return static_cast<int64_t>(std::ceil(desired * scale_value(task_set) / 100.0 - 1e-9));
}

json::object scale_of(const json::object* given) {
  json::object scale{{"value", 0.0}, {"unit", "PERCENT"}};
  if (!given) return scale;
  if (auto* value = given->if_contains("value"); value && value->is_number()) {
    double v = value->to_number<double>();
    if (v < 0 || v > 100) {
      throw core::invalid_parameter("The scale value must be between 0 and 100 percent.");
    }
    scale["value"] = v;
  }
  if (auto* unit = given->if_contains("unit"); unit && unit->is_string()) scale["unit"] = *unit;
  return scale;
}

void set_stability(json::object& task_set, bool steady, double now) {
  std::string_view status = steady ? "STEADY_STATE" : "STABILIZING";
  if (string_member(task_set, "stabilityStatus") == status) return;
  task_set["stabilityStatus"] = status;
  task_set["stabilityStatusAt"] = now;
}

void rescale_task_sets(json::object& service, int64_t desired_before, double now) {
  json::object before = service;
  before["desiredCount"] = desired_before;
  for (auto& t : task_sets(service)) {
    json::object& task_set = t.as_object();
    if (computed_desired_count(service, task_set) != computed_desired_count(before, task_set)) {
      set_stability(task_set, false, now);
    }
  }
}

json::object new_task_set(const Context& context, std::string_view cluster,
                          const json::object& service, const json::object& members,
                          const state::TaskDefinitionRecord& definition,
                          const ServiceCapacity& capacity) {
  const double now = context.now_seconds();
  const std::string id = new_deployment_id(context.ids);
  json::object task_set{
      {"id", id},
      {"taskSetArn", core::task_set_arn(context.region, context.account_id, cluster,
                                        string_member(service, "serviceName"), id)},
      {"serviceArn", service.at("serviceArn")},
      {"clusterArn", service.at("clusterArn")}};
  // "If an CodeDeploy deployment created the task set, the startedBy
  // parameter is CODE_DEPLOY. If an external deployment created the task
  // set, the startedBy field isn't used." (botocore, TaskSet.startedBy)
  if (deployment_controller_type(service) == "CODE_DEPLOY") {
    task_set["startedBy"] = "CODE_DEPLOY";
  }
  if (auto* external = members.if_contains("externalId"); external && external->is_string()) {
    task_set["externalId"] = *external;
  }
  task_set["status"] = "ACTIVE";
  task_set["taskDefinition"] = definition.doc.at("taskDefinitionArn");
  task_set["createdAt"] = now;
  task_set["updatedAt"] = now;
  if (!capacity.launch_type.empty()) task_set["launchType"] = capacity.launch_type;
  if (!capacity.capacity_provider_strategy.empty()) {
    task_set["capacityProviderStrategy"] = capacity.capacity_provider_strategy;
  }
  if (capacity.fargate) {
    task_set["platformVersion"] = string_member(members, "platformVersion", "LATEST");
    task_set["platformFamily"] = platform_family(definition);
  }
  if (auto* network = core::object_member(members, "networkConfiguration")) {
    task_set["networkConfiguration"] = *network;
  }
  for (std::string_view member : {"loadBalancers", "serviceRegistries"}) {
    const auto* given = core::array_member(members, member);
    task_set[member] = given ? *given : json::array();
  }
  task_set["scale"] = scale_of(core::object_member(members, "scale"));
  task_set["stabilityStatus"] = "STABILIZING";
  task_set["stabilityStatusAt"] = now;
  const auto* tags = core::array_member(members, "tags");
  task_set["tags"] = tags ? *tags : json::array();
  if (std::string token = string_member(members, "clientToken"); !token.empty()) {
    task_set["clientToken"] = token;  // never shown: not a member of the TaskSet shape
  }
  return task_set;
}

json::object render_task_set(const state::ClusterState& state, std::string_view cluster,
                             const json::object& service, const json::object& task_set,
                             bool include_tags) {
  ServiceTaskCounts counts = deployment_task_counts(state, cluster, string_member(task_set, "id"));
  json::object shown;
  for (std::string_view member : kShownMembers) {
    if (member == "computedDesiredCount") {
      shown[member] = computed_desired_count(service, task_set);
    } else if (member == "pendingCount") {
      shown[member] = counts.pending;
    } else if (member == "runningCount") {
      shown[member] = counts.running;
    } else if (member == "tags" && !include_tags) {
      continue;
    } else if (const auto* value = task_set.if_contains(member)) {
      shown[member] = *value;
    }
  }
  return shown;
}

json::array render_task_sets(const state::ClusterState& state, std::string_view cluster,
                             const json::object& service, bool include_tags) {
  json::array out;
  const auto* all = task_sets(service);
  for (const auto& t : all ? *all : json::array{}) {
    out.push_back(render_task_set(state, cluster, service, t.as_object(), include_tags));
  }
  return out;
}

}  // namespace gantry::ecs
