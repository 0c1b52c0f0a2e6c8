#include "ecs/service_rules.h"

#include <regex>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/capacity_provider_strategy.h"
#include "ecs/launch_checks.h"
#include "scheduler/constraint_filter.h"
#include "scheduler/strategies.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::int_member;
using core::string_member;

namespace {

void check_strategy(const state::ClusterRecord& cluster, const json::array& strategy) {
  auto items = strategy_of(strategy);
  check_strategy_shape(items);
  for (const auto& entry : items) check_provider_associated(cluster, entry.capacity_provider);
}

}  // namespace

void validate_service_name(const std::string& name) {
  static const std::regex pattern("[a-zA-Z0-9_-]{1,255}");
  if (!std::regex_match(name, pattern)) {
    throw core::invalid_parameter(
        "Invalid service name '" + name +
        "': up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are "
        "allowed.");
  }
}

const state::TaskDefinitionRecord& service_task_definition(const state::ClusterState& state,
                                                           const std::string& identifier) {
  core::TaskDefinitionRef ref = core::parse_task_definition_ref(identifier);
  const state::TaskDefinitionRecord* definition =
      ref.revision ? state.task_definition(ref.family, *ref.revision)
                   : state.latest_active(ref.family);
  if (!definition || definition->status() == "DELETE_IN_PROGRESS") {
    throw core::client_error("TaskDefinition not found.");
  }
  if (definition->status() == "INACTIVE") throw core::client_error("TaskDefinition is inactive");
  return *definition;
}

ServiceCapacity service_capacity(const state::ClusterRecord& cluster,
                                 const std::string& launch_type, const json::array* strategy) {
  ServiceCapacity capacity;
  check_launch_type(launch_type, strategy && !strategy->empty());
  if (!launch_type.empty()) {
    capacity.launch_type = launch_type;
    capacity.fargate = launch_type == "FARGATE";
    return capacity;
  }
  if (strategy && !strategy->empty()) {
    capacity.capacity_provider_strategy = *strategy;
  } else if (auto* fallback = core::array_member(cluster.doc, "defaultCapacityProviderStrategy");
             fallback && !fallback->empty()) {
    capacity.capacity_provider_strategy = *fallback;
  }
  if (capacity.capacity_provider_strategy.empty()) {
    capacity.launch_type = "EC2";
    return capacity;
  }
  check_strategy(cluster, capacity.capacity_provider_strategy);
  // One kind of provider a strategy (check_strategy_shape).
  capacity.fargate = is_fargate_provider(
      string_member(capacity.capacity_provider_strategy.front().as_object(), "capacityProvider"));
  return capacity;
}

void check_definition_fits(const state::TaskDefinitionRecord& definition,
                           const ServiceCapacity& capacity,
                           const json::object* network_configuration) {
  if (capacity.fargate && !lists_string(definition.doc.if_contains("compatibilities"), "FARGATE")) {
    throw core::invalid_parameter("Task definition does not support launch_type FARGATE.");
  }
  check_network_configuration(definition.doc, network_configuration != nullptr);
}

void check_placement(const json::array* constraints, const json::array* strategies, bool fargate,
                     bool daemon) {
  if (fargate && (constraints || strategies)) {
    throw core::invalid_parameter(
        "Task placement constraints and strategies are not supported for the FARGATE launch "
        "type.");
  }
  if (daemon && strategies && !strategies->empty()) {
    throw core::invalid_parameter(
        "The daemon scheduling strategy does not support placement strategies. Remove the "
        "placement strategy and try again");
  }
  // The scheduler's own parsers: what RunTask accepts, a service accepts.
  std::vector<scheduler::PlacementConstraint> parsed_constraints;
  for (const auto& c : constraints ? *constraints : json::array{}) {
    parsed_constraints.push_back(
        {string_member(c.as_object(), "type"), string_member(c.as_object(), "expression")});
  }
  scheduler::ConstraintFilter{parsed_constraints};
  std::vector<scheduler::PlacementStrategy> parsed_strategies;
  for (const auto& s : strategies ? *strategies : json::array{}) {
    parsed_strategies.push_back(
        {string_member(s.as_object(), "type"), string_member(s.as_object(), "field")});
  }
  scheduler::make_rankers(parsed_strategies);
}

json::object deployment_configuration(const json::object* given, const json::object* current,
                                      bool daemon) {
  // ECS's defaults:
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
  json::object config =
      current ? *current
              : json::object{{"deploymentCircuitBreaker", {{"enable", false}, {"rollback", false}}},
                             {"maximumPercent", daemon ? 100 : 200},
                             {"minimumHealthyPercent", daemon ? 0 : 100}};
  if (given) {
    for (const auto& member : *given) {
      if (!member.value().is_null()) config[member.key()] = member.value();
    }
  }
  int64_t maximum = int_member(config, "maximumPercent", 200);
  int64_t minimum = int_member(config, "minimumHealthyPercent", 100);
  if (minimum < 0 || minimum > 100) {
    throw core::invalid_parameter("minimumHealthyPercent must be between 0 and 100, got " +
                                  std::to_string(minimum) + ".");
  }
  if (maximum < 1 || maximum < minimum) {
    // The bounds must leave room for a task: 100/100 is allowed (ECS then
    // stops before it starts), 50/100 is not.
    throw core::invalid_parameter(
        "maximumPercent must be at least 1 and at least "
        "minimumHealthyPercent, got " +
        std::to_string(maximum) + " and " + std::to_string(minimum) + ".");
  }
  return config;
}

std::string platform_family(const state::TaskDefinitionRecord& definition) {
  if (auto* platform = core::object_member(definition.doc, "runtimePlatform")) {
    std::string family = string_member(*platform, "operatingSystemFamily");
    if (!family.empty() && family != "LINUX") return family;
  }
  return "Linux";
}

json::object deployment_controller(const json::object* given) {
  // The schema has checked the type against ECS's enum (ECS, CODE_DEPLOY,
  // EXTERNAL).
  std::string type = given ? string_member(*given, "type", "ECS") : "ECS";
  return json::object{{"type", type}};
}

}  // namespace gantry::ecs
