// UpdateService and DeleteService.
#include <algorithm>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/lookups.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployments.h"
#include "ecs/service_rules.h"
#include "ecs/service_view.h"
#include "ecs/task_sets.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::array_member;
using core::object_member;
using core::string_member;

namespace {

// A service of an ACTIVE cluster, copied so that it can be changed.
state::ServiceRecord existing_service(const Context& context, const std::string& cluster_name,
                                      const std::string& identifier) {
  const state::ClusterRecord& cluster = active_cluster(context.state, cluster_name);
  const state::ServiceRecord* service = find_service(context.state, cluster.name(), identifier);
  if (!service) throw core::service_not_found();
  return *service;
}

ServiceWritten written(const Context& context, state::ServiceRecord record) {
  json::object answer = render_service(context.state, record, true);
  return {{service_change(std::move(record))}, std::move(answer)};
}

// The definition the service runs now; null once deleted.
const state::TaskDefinitionRecord* current_definition(const state::ClusterState& state,
                                                      const json::object& service) {
  core::TaskDefinitionRef ref =
      core::parse_task_definition_ref(string_member(service, "taskDefinition"));
  return ref.revision ? state.task_definition(ref.family, *ref.revision) : nullptr;
}

// Sets `member` of the service to the request's value; true when that
// changed it. A request's null is absent.
bool assign(json::object& service, const json::object& request, std::string_view member) {
  auto* value = request.if_contains(member);
  if (!value || value->is_null()) return false;
  auto* current = service.if_contains(member);
  bool changed = !current || *current != *value;
  service[member] = *value;
  return changed;
}

// The capacity an update asks for: a new strategy, or what the service has.
bool update_capacity(json::object& doc, const json::object& request,
                     const state::ClusterRecord& cluster) {
  const json::array* strategy = array_member(request, "capacityProviderStrategy");
  if (!strategy) return false;
  bool fargate_before = doc.contains("platformVersion");
  ServiceCapacity capacity = service_capacity(cluster, "", strategy);
  if (capacity.fargate != fargate_before) {
    // The platform follows from the launch type; gantry does not move a
    // service between FARGATE and EC2 capacity.
    throw core::invalid_parameter(
        "Updating a service between FARGATE and EC2 capacity is not supported; create a new "
        "service instead.");
  }
  json::value before = doc.contains("capacityProviderStrategy") ? doc["capacityProviderStrategy"]
                                                                : json::value(nullptr);
  doc.erase("launchType");
  doc["capacityProviderStrategy"] = capacity.capacity_provider_strategy;
  return before != doc["capacityProviderStrategy"];
}

// Members of the deployment (not of the Service shape) an update changes.
bool update_deployment_members(json::object& extra, const json::object& request) {
  bool changed = false;
  for (std::string_view member : kDeploymentOnlyMembers) changed |= assign(extra, request, member);
  return changed;
}

// The members UpdateService changes on a service of task sets: "For
// services using an external deployment controller, you can update only the
// desired count, task placement constraints and strategies, health check
// grace period, enable ECS managed tags option, and propagate tags option"
// (botocore, UpdateService), and the deployment configuration, as for
// CODE_DEPLOY.
constexpr std::string_view kTaskSetServiceMembers[] = {"cluster",
                                                       "service",
                                                       "desiredCount",
                                                       "deploymentConfiguration",
                                                       "healthCheckGracePeriodSeconds",
                                                       "placementConstraints",
                                                       "placementStrategy",
                                                       "enableECSManagedTags",
                                                       "propagateTags",
                                                       "deploymentController"};

void refuse_task_set_service_members(const json::object& request, std::string_view controller) {
  for (const auto& member : request) {
    if (member.value().is_null()) continue;
    if (std::find(std::begin(kTaskSetServiceMembers), std::end(kTaskSetServiceMembers),
                  member.key()) != std::end(kTaskSetServiceMembers)) {
      continue;
    }
    // ECS's answer to a new task definition on a CODE_DEPLOY service, for
    // every member the task sets own.
    throw core::invalid_parameter(
        "Unable to update " + std::string(member.key()) + " on services with a " +
        std::string(controller) + " deployment controller. " +
        (controller == "CODE_DEPLOY" ? "Use AWS CodeDeploy to trigger a new deployment."
                                     : "Use CreateTaskSet to create a new task set instead."));
  }
}

// UpdateService of a service whose task sets run its tasks: a new desired
// count rescales every task set (their computed counts follow it).
ServiceWritten update_task_set_service(const Context& context, state::ServiceRecord record,
                                       const json::object& request) {
  json::object& doc = record.doc;
  refuse_task_set_service_members(request, deployment_controller_type(doc));
  const int64_t desired_before = core::int_member(doc, "desiredCount", 0);
  if (auto* desired = request.if_contains("desiredCount"); desired && desired->is_int64()) {
    if (desired->get_int64() < 0)
      throw core::invalid_parameter("desiredCount can not be negative.");
    doc["desiredCount"] = *desired;
  }
  if (auto* config = object_member(request, "deploymentConfiguration")) {
    doc["deploymentConfiguration"] =
        deployment_configuration(config, object_member(doc, "deploymentConfiguration"), false);
  }
  for (std::string_view member :
       {"placementConstraints", "placementStrategy", "healthCheckGracePeriodSeconds",
        "enableECSManagedTags", "propagateTags"}) {
    assign(doc, request, member);
  }
  const json::array* constraints = array_member(doc, "placementConstraints");
  const json::array* strategies = array_member(doc, "placementStrategy");
  check_placement(constraints && !constraints->empty() ? constraints : nullptr,
                  strategies && !strategies->empty() ? strategies : nullptr,
                  doc.contains("platformVersion"), false);
  rescale_task_sets(doc, desired_before, context.now_seconds());
  return written(context, std::move(record));
}

}  // namespace

ServiceWritten update_service(const Context& context, const UpdateService& command) {
  const json::object& request = command.request;
  const std::string cluster_name = string_member(request, "cluster", "default");
  state::ServiceRecord record =
      existing_service(context, cluster_name, string_member(request, "service"));
  if (record.status() != "ACTIVE") throw core::service_not_active();
  const state::ClusterRecord& cluster = *context.state.cluster(record.cluster);
  json::object& doc = record.doc;
  const bool daemon = string_member(doc, "schedulingStrategy") == "DAEMON";
  const bool fargate = doc.contains("platformVersion");
  const double now = context.now_seconds();

  if (auto* controller = object_member(request, "deploymentController")) {
    if (string_member(*controller, "type", "ECS") != deployment_controller_type(doc)) {
      throw core::invalid_parameter(
          "gantry does not change a service's deployment controller type; create a new "
          "service instead.");
    }
  }
  if (uses_task_sets(doc)) return update_task_set_service(context, std::move(record), request);

  if (auto* desired = request.if_contains("desiredCount"); desired && desired->is_int64()) {
    if (daemon) {
      throw core::invalid_parameter(
          "The daemon scheduling strategy does not support a desired count for services. "
          "Remove the desired count value and try again");
    }
    if (desired->get_int64() < 0)
      throw core::invalid_parameter("desiredCount can not be negative.");
    doc["desiredCount"] = *desired;
  }
  if (auto* controller = object_member(request, "deploymentController")) {
    doc["deploymentController"] = deployment_controller(controller);
  }
  if (auto* config = object_member(request, "deploymentConfiguration")) {
    doc["deploymentConfiguration"] =
        deployment_configuration(config, object_member(doc, "deploymentConfiguration"), daemon);
  }

  // What ECS treats as a new deployment: another task definition, network,
  // platform, capacity, placement, load balancing, Service Connect,
  // volumes, or forceNewDeployment.
  bool redeploy = core::bool_member(request, "forceNewDeployment", false);
  // A service keeps running a definition deregistered since; only a new
  // one must be ACTIVE.
  const state::TaskDefinitionRecord* definition = current_definition(context.state, doc);
  if (std::string named = string_member(request, "taskDefinition"); !named.empty()) {
    definition = &service_task_definition(context.state, named);
    if (definition->doc.at("taskDefinitionArn") != doc.at("taskDefinition")) {
      doc["taskDefinition"] = definition->doc.at("taskDefinitionArn");
      redeploy = true;
    }
  }
  redeploy |= update_capacity(doc, request, cluster);
  if (request.contains("platformVersion") && !fargate) {
    throw core::invalid_parameter(
        "The platform version must be null when specifying an EC2 launch type.");
  }
  for (std::string_view member : {"platformVersion", "networkConfiguration", "placementConstraints",
                                  "placementStrategy", "loadBalancers", "serviceRegistries"}) {
    redeploy |= assign(doc, request, member);
  }
  for (std::string_view member :
       {"healthCheckGracePeriodSeconds", "enableExecuteCommand", "enableECSManagedTags",
        "propagateTags", "availabilityZoneRebalancing"}) {
    assign(doc, request, member);
  }
  ServiceCapacity capacity{string_member(doc, "launchType"), {}, fargate};
  if (definition) {
    check_definition_fits(*definition, capacity, object_member(doc, "networkConfiguration"));
  }
  const json::array* constraints = array_member(doc, "placementConstraints");
  const json::array* strategies = array_member(doc, "placementStrategy");
  check_placement(constraints && !constraints->empty() ? constraints : nullptr,
                  strategies && !strategies->empty() ? strategies : nullptr, fargate, daemon);

  json::object* primary = primary_deployment(doc);
  json::object extra;
  if (primary) {
    for (std::string_view member : kDeploymentOnlyMembers) {
      if (auto* v = primary->if_contains(member)) extra[member] = *v;
    }
  }
  redeploy |= update_deployment_members(extra, request);
  if (redeploy || !primary) {
    start_deployment(doc, new_deployment(context, doc, extra), now);
  } else if (primary->at("desiredCount") != doc.at("desiredCount")) {
    // A new desired count alone is no new deployment: the PRIMARY scales.
    (*primary)["desiredCount"] = doc.at("desiredCount");
    (*primary)["updatedAt"] = now;
  }
  return written(context, std::move(record));
}

ServiceWritten delete_service(const Context& context, const DeleteService& command) {
  state::ServiceRecord record = existing_service(context, command.cluster, command.service);
  std::string status = record.status();
  if (status == "INACTIVE") throw core::service_not_active();
  json::object& doc = record.doc;
  if (status == "DRAINING") return {{}, render_service(context.state, record, true)};
  if (!command.force && string_member(doc, "schedulingStrategy") != "DAEMON" &&
      core::int_member(doc, "desiredCount", 0) > 0) {
    throw core::invalid_parameter("The service cannot be stopped while it is scaled above 0.");
  }
  // DRAINING until its tasks are gone; the controller stops them and then
  // marks the service INACTIVE.
  const double now = context.now_seconds();
  doc["status"] = "DRAINING";
  doc["desiredCount"] = 0;
  for (auto& d : doc["deployments"].as_array()) {
    json::object& deployment = d.as_object();
    deployment["desiredCount"] = 0;
    deployment["updatedAt"] = now;
  }
  return written(context, std::move(record));
}

}  // namespace gantry::ecs
