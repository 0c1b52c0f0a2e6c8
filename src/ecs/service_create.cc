// CreateService: ECS's checks, then the service with one PRIMARY deployment.
#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/lookups.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployments.h"
#include "ecs/service_rules.h"
#include "ecs/service_view.h"
#include "ecs/tags.h"
#include "ecs/task_sets.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::array_member;
using core::object_member;
using core::string_member;

namespace {

// ECS: "Up to 36 ASCII characters in the range of 33-126 (inclusive)".
constexpr size_t kMaxClientToken = 36;

// What a repeated create must equal: the request less what may differ
// between two sends of it.
json::object comparable_request(const json::object& request) {
  json::object out = request;
  out.erase("clientToken");
  out.erase("cluster");
  return out;
}

std::string role_arn(const Context& context, const std::string& role) {
  if (role.starts_with("arn:")) return role;
  return "arn:aws:iam::" + context.account_id + ":role/" + role;
}

// The answer to a create of a service that exists and is not INACTIVE.
ServiceWritten repeated_create(const Context& context, const state::ServiceRecord& existing,
                               const json::object& request) {
  if (existing.request != request) {
    throw core::invalid_parameter("Creation of service was not idempotent.");
  }
  if (existing.status() == "DRAINING") {
    throw core::invalid_parameter("Unable to Start a service that is still Draining.");
  }
  return {{}, render_service(context.state, existing, true)};
}

struct Scheduling {
  bool daemon = false;
  int64_t desired_count = 0;
};

Scheduling scheduling_of(const json::object& request) {
  Scheduling scheduling;
  scheduling.daemon = string_member(request, "schedulingStrategy", "REPLICA") == "DAEMON";
  auto* desired = request.if_contains("desiredCount");
  if (scheduling.daemon && desired) {
    throw core::invalid_parameter(
        "The daemon scheduling strategy does not support a desired count for services. "
        "Remove the desired count value and try again");
  }
  if (!scheduling.daemon) {
    if (!desired || !desired->is_int64()) {
      throw core::invalid_parameter(
          "desiredCount is required for a service with the REPLICA scheduling strategy.");
    }
    scheduling.desired_count = desired->get_int64();
    if (scheduling.desired_count < 0) {
      throw core::invalid_parameter("desiredCount can not be negative.");
    }
  }
  return scheduling;
}

}  // namespace

state::Change service_change(state::ServiceRecord record) {
  std::string key = state::service_key(record.cluster, record.name());
  return state::put_change(std::move(key), std::move(record));
}

ServiceWritten create_service(const Context& context, const CreateService& command) {
  const json::object& request = command.request;
  const state::ClusterRecord& cluster =
      active_cluster(context.state, string_member(request, "cluster", "default"));
  const std::string cluster_name = cluster.name();
  const std::string name = string_member(request, "serviceName");
  validate_service_name(name);
  const std::string client_token = string_member(request, "clientToken");
  if (client_token.size() > kMaxClientToken) {
    throw core::invalid_parameter("clientToken can be at most 36 characters.");
  }
  json::object comparable = comparable_request(request);
  if (const state::ServiceRecord* existing = context.state.service(cluster_name, name);
      existing && existing->status() != "INACTIVE") {
    return repeated_create(context, *existing, comparable);
  }

  Scheduling scheduling = scheduling_of(request);
  json::object controller = deployment_controller(object_member(request, "deploymentController"));
  const std::string controller_type = string_member(controller, "type");
  const bool external = controller_type == "EXTERNAL";
  if (controller_type != "ECS" && scheduling.daemon) {
    // "The Fargate launch type or EXTERNAL deployment controller type don't
    // support the DAEMON scheduling strategy" (Developer Guide, "Daemon").
    throw core::invalid_parameter("The " + controller_type +
                                  " deployment controller does not support the DAEMON "
                                  "scheduling strategy.");
  }
  // "A task definition must be specified if the service uses either the ECS
  // or CODE_DEPLOY deployment controllers" (botocore,
  // CreateServiceRequest.taskDefinition): an EXTERNAL service's task sets
  // name theirs.
  std::string definition_name = string_member(request, "taskDefinition");
  if (definition_name.empty() && !external) {
    throw core::invalid_parameter("A task definition is required for a service that uses the " +
                                  controller_type + " deployment controller.");
  }
  const state::TaskDefinitionRecord* definition =
      definition_name.empty() ? nullptr : &service_task_definition(context.state, definition_name);
  const json::array* strategy = array_member(request, "capacityProviderStrategy");
  ServiceCapacity capacity =
      service_capacity(cluster, string_member(request, "launchType"), strategy);
  if (scheduling.daemon && !capacity.capacity_provider_strategy.empty()) {
    // Also the cluster's default strategy, as on ECS: a DAEMON service
    // names its launch type.
    throw core::invalid_parameter(
        "Specifying a capacity provider strategy is not supported when you create a service "
        "using the DAEMON scheduling strategy.");
  }
  if (scheduling.daemon && capacity.fargate) {
    throw core::invalid_parameter(
        "The DAEMON scheduling strategy is not supported with the FARGATE launch type.");
  }
  if (!capacity.fargate && request.contains("platformVersion")) {
    throw core::invalid_parameter(
        "The platform version must be null when specifying an EC2 launch type.");
  }
  const json::object* network = object_member(request, "networkConfiguration");
  if (definition) check_definition_fits(*definition, capacity, network);
  const json::array* constraints = array_member(request, "placementConstraints");
  const json::array* strategies = array_member(request, "placementStrategy");
  check_placement(constraints, strategies, capacity.fargate, scheduling.daemon);
  const json::array empty;
  const json::array* tags = array_member(request, "tags");
  if (tags) validate_tags(*tags);

  // Members in the order DescribeServices shows them.
  const double now = context.now_seconds();
  json::object doc{
      {"serviceArn", core::service_arn(context.region, context.account_id, cluster_name, name)},
      {"serviceName", name},
      {"clusterArn", cluster.doc.at("clusterArn")},
      {"loadBalancers", json::array()},
      {"serviceRegistries", json::array()},
      {"status", "ACTIVE"},
      {"desiredCount", scheduling.desired_count}};
  if (auto* v = array_member(request, "loadBalancers")) doc["loadBalancers"] = *v;
  if (auto* v = array_member(request, "serviceRegistries")) doc["serviceRegistries"] = *v;
  if (!capacity.launch_type.empty()) doc["launchType"] = capacity.launch_type;
  if (!capacity.capacity_provider_strategy.empty()) {
    doc["capacityProviderStrategy"] = capacity.capacity_provider_strategy;
  }
  if (capacity.fargate) {
    doc["platformVersion"] = string_member(request, "platformVersion", "LATEST");
    if (definition) doc["platformFamily"] = platform_family(*definition);
  }
  if (definition) doc["taskDefinition"] = definition->doc.at("taskDefinitionArn");
  doc["deploymentConfiguration"] = deployment_configuration(
      object_member(request, "deploymentConfiguration"), nullptr, scheduling.daemon);
  if (auto* role = request.if_contains("role"); role && role->is_string()) {
    doc["roleArn"] = role_arn(context, std::string(role->get_string()));
  }
  doc["events"] = json::array();
  doc["createdAt"] = now;
  doc["placementConstraints"] = constraints ? *constraints : empty;
  doc["placementStrategy"] = strategies ? *strategies : empty;
  if (network) doc["networkConfiguration"] = *network;
  if (auto* grace = request.if_contains("healthCheckGracePeriodSeconds")) {
    doc["healthCheckGracePeriodSeconds"] = *grace;
  }
  doc["schedulingStrategy"] = scheduling.daemon ? "DAEMON" : "REPLICA";
  doc["deploymentController"] = std::move(controller);
  doc["tags"] = tags ? *tags : empty;
  doc["createdBy"] = command.created_by;
  doc["enableECSManagedTags"] = core::bool_member(request, "enableECSManagedTags", false);
  doc["propagateTags"] = string_member(request, "propagateTags", "NONE");
  doc["enableExecuteCommand"] = core::bool_member(request, "enableExecuteCommand", false);
  // ECS defaults a new service's rebalancing to ENABLED (CreateService's
  // availabilityZoneRebalancing).
  doc["availabilityZoneRebalancing"] =
      string_member(request, "availabilityZoneRebalancing", "ENABLED");
  doc["deployments"] = json::array();
  if (controller_type == "ECS") {
    start_deployment(doc, new_deployment(context, doc, request), now);
  } else {
    // Its task sets run its tasks; CodeDeploy's first is the service's own,
    // PRIMARY at the whole desired count.
    doc["taskSets"] = json::array();
    if (controller_type == "CODE_DEPLOY") {
      json::object members = request;
      members.erase("clientToken");  // the service's, not the task set's
      members["scale"] = json::object{{"value", 100.0}, {"unit", "PERCENT"}};
      json::object first = new_task_set(context, cluster_name, doc, members, *definition, capacity);
      first["status"] = "PRIMARY";
      task_sets(doc).push_back(std::move(first));
    }
  }

  state::ServiceRecord record{cluster_name, std::move(doc), client_token, std::move(comparable)};
  json::object answer = render_service(context.state, record, true);
  return {{service_change(std::move(record))}, std::move(answer)};
}

}  // namespace gantry::ecs
