// RunTask (placed by the scheduler) and StartTask (on named instances).
// Both run inside the single writer, so placement sees every earlier
// placement and an instance is never over-committed.
#include <algorithm>
#include <map>

#include "api/handler_support.h"
#include "api/instance_placement_view.h"
#include "api/placement_indexes.h"
#include "api/tags.h"
#include "api/task_factory.h"
#include "api/task_view.h"
#include "scheduler/placement.h"
#include "scheduler/resource_fit.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

constexpr int kMaxCount = 10;

bool contains_string(const json::value* list, std::string_view value) {
  if (!list || !list->is_array()) return false;
  for (const auto& item : list->get_array()) {
    if (item.is_string() && item.get_string() == value) return true;
  }
  return false;
}

// The launch type and capacity provider from launchType, a capacity
// provider strategy, or the cluster's default strategy.
void choose_capacity(const json::object& body, const state::ClusterRecord& cluster,
                     TaskLaunch& launch) {
  std::string launch_type = string_member(body, "launchType");
  const json::array* strategy = array_member(body, "capacityProviderStrategy");
  if (!launch_type.empty() && strategy && !strategy->empty()) {
    throw core::invalid_parameter(
        "Specifying both a launch type and capacity provider strategy is not supported. "
        "Remove one and try again.");
  }
  if (!launch_type.empty()) {
    if (launch_type != "EC2" && launch_type != "FARGATE") {
      throw core::invalid_parameter("launchType " + launch_type +
                                    " is not supported; use EC2 or FARGATE.");
    }
    launch.launch_type = launch_type;
    return;
  }
  if (!strategy || strategy->empty()) {
    auto* fallback = cluster.doc.if_contains("defaultCapacityProviderStrategy");
    strategy = fallback && fallback->is_array() && !fallback->get_array().empty()
                   ? &fallback->get_array()
                   : nullptr;
  }
  if (!strategy) {
    launch.launch_type = "EC2";
    return;
  }
  // The provider with a base is filled first; otherwise the heaviest weight.
  const json::object* chosen = nullptr;
  for (const auto& item : *strategy) {
    const json::object& entry = item.as_object();
    std::string name = string_member(entry, "capacityProvider");
    if (!contains_string(cluster.doc.if_contains("capacityProviders"), name)) {
      throw core::invalid_parameter(
          "The specified capacity provider strategy cannot contain a capacity provider that is "
          "not associated with the cluster. Associate " + name +
          " with the cluster (PutClusterCapacityProviders) or specify a valid capacity "
          "provider and try again.");
    }
    auto rank = [](const json::object& e) {
      return std::pair{int_member(e, "base", 0), int_member(e, "weight", 0)};
    };
    if (!chosen || rank(entry) > rank(*chosen)) chosen = &entry;
  }
  launch.capacity_provider_name = string_member(*chosen, "capacityProvider");
  launch.launch_type = "FARGATE";
}

void check_network(const json::object& body, const json::object& definition, TaskLaunch& launch) {
  bool awsvpc = string_member(definition, "networkMode") == "awsvpc";
  auto* config = body.if_contains("networkConfiguration");
  if (awsvpc && !config) {
    throw core::invalid_parameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (!awsvpc && config) {
    throw core::invalid_parameter(
        "Network Configuration is not valid for the given networkMode of this task "
        "definition.");
  }
  if (config) launch.network_configuration = config->as_object();
}

json::array propagated_tags(const json::object& body, const state::TaskDefinitionRecord& definition) {
  json::array tags;
  if (auto* given = array_member(body, "tags")) {
    validate_tags(*given);
    tags = *given;
  }
  std::string propagate = string_member(body, "propagateTags", "NONE");
  if (propagate == "SERVICE") {
    throw core::invalid_parameter("propagateTags SERVICE applies to tasks a service starts, "
                                  "not to RunTask; use TASK_DEFINITION or NONE.");
  }
  if (propagate == "TASK_DEFINITION") tags = merge_tags(definition.tags, tags);
  return tags;
}

// What every launch shares, from the request: definition, overrides, sizes,
// group, tags.
TaskLaunch common_launch(const RequestContext& context, const ClusterState& state,
                         const state::ClusterRecord& cluster) {
  const json::object& body = context.body;
  TaskLaunch launch;
  launch.cluster = cluster.name();
  launch.cluster_arn = std::string(cluster.doc.at("clusterArn").as_string());
  launch.definition = &runnable_task_definition(state, string_member(body, "taskDefinition"));
  const json::object& definition = launch.definition->doc;
  if (auto* overrides = body.if_contains("overrides")) launch.overrides = overrides->as_object();
  launch.requirements = task_requirements(definition, launch.overrides);
  launch.group = string_member(body, "group", "family:" + launch.definition->family());
  launch.started_by = string_member(body, "startedBy");
  if (launch.started_by.size() > 128) {
    throw core::invalid_parameter("startedBy can be at most 128 characters.");
  }
  launch.tags = propagated_tags(body, *launch.definition);
  launch.enable_execute_command = bool_member(body, "enableExecuteCommand", false);
  check_network(body, definition, launch);
  return launch;
}

scheduler::PlacementRequest placement_request(const json::object& body, const TaskLaunch& launch,
                                              int count) {
  const json::object& definition = launch.definition->doc;
  scheduler::PlacementRequest request;
  request.count = count;
  request.group = launch.group;
  request.launch_type = launch.launch_type;
  request.cpu = launch.requirements.cpu;
  request.memory = launch.requirements.memory;
  request.tcp_host_ports = launch.requirements.tcp_ports;
  request.udp_host_ports = launch.requirements.udp_ports;
  request.gpu_count = launch.requirements.gpu_count;
  if (auto* required = array_member(definition, "requiresAttributes")) {
    for (const auto& a : *required) {
      request.required_attributes.push_back(string_member(a.as_object(), "name"));
    }
  }
  auto add_constraints = [&](const json::array* constraints) {
    if (!constraints) return;
    for (const auto& c : *constraints) {
      request.constraints.push_back({string_member(c.as_object(), "type"),
                                     string_member(c.as_object(), "expression")});
    }
  };
  add_constraints(array_member(definition, "placementConstraints"));
  add_constraints(array_member(body, "placementConstraints"));
  if (auto* strategies = array_member(body, "placementStrategy")) {
    for (const auto& s : *strategies) {
      request.strategies.push_back(
          {string_member(s.as_object(), "type"), string_member(s.as_object(), "field")});
    }
  }
  if (launch.launch_type == "FARGATE" &&
      (array_member(body, "placementConstraints") || !request.strategies.empty())) {
    throw core::invalid_parameter(
        "Task placement constraints and strategies are not supported for the FARGATE launch "
        "type.");
  }
  return request;
}

json::object failure(std::string arn, std::string reason) {
  json::object out;
  if (!arn.empty()) out["arn"] = std::move(arn);
  out["reason"] = std::move(reason);
  return out;
}

// A new task into the outcome: its record among the changes, its document
// among the answer's tasks.
void add_task(state::Outcome& outcome, NewTask task) {
  outcome.response["tasks"].as_array().push_back(std::move(task.doc));
  std::string key = state::task_key(task.record.cluster, task.record.id());
  outcome.changes.push_back(state::put_change(std::move(key), std::move(task.record)));
}

state::Outcome launch_tasks(const RequestContext& context, const TaskLaunch& launch,
                            const std::vector<scheduler::InstanceView>& snapshot,
                            const scheduler::PlacementResult& result, const ClusterState& state,
                            core::Random& ids) {
  state::Outcome outcome{{}, json::object{{"tasks", json::array{}}, {"failures", json::array{}}}};
  for (const auto& placement : result.placements) {
    const state::ContainerInstanceRecord* instance =
        state.instance(launch.cluster, snapshot[placement.instance].id);
    add_task(outcome, make_task(context, launch, {instance, placement.gpu_ids}, ids));
  }
  json::array& failures = outcome.response["failures"].as_array();
  for (const auto& f : result.failures) failures.push_back(failure(f.arn, f.reason));
  return outcome;
}

state::Outcome run_task(const RequestContext& context, const ClusterState& state,
                        const Services& services) {
  const json::object& body = context.body;
  const state::ClusterRecord& cluster = active_cluster(state, body);
  std::string client_token = string_member(body, "clientToken");
  if (client_token.size() > 64) {
    throw core::invalid_parameter("clientToken can be at most 64 characters.");
  }
  if (!client_token.empty()) {
    // A retried request: answer with what the first one launched.
    auto earlier = state.tasks_with_token(cluster.name(), client_token);
    if (!earlier.empty()) {
      json::array tasks;
      for (const auto* task : earlier) tasks.push_back(render_task(*task, true));
      return {{}, json::object{{"tasks", std::move(tasks)}, {"failures", json::array{}}}};
    }
  }
  int64_t count = int_member(body, "count", 1);
  if (count < 1 || count > kMaxCount) {
    throw core::invalid_parameter("count must be between 1 and 10, got " + std::to_string(count) +
                                  ".");
  }
  TaskLaunch launch = common_launch(context, state, cluster);
  launch.client_token = client_token;
  choose_capacity(body, cluster, launch);
  if (launch.launch_type == "FARGATE" &&
      !contains_string(launch.definition->doc.if_contains("compatibilities"), "FARGATE")) {
    throw core::invalid_parameter("Task definition does not support launch_type FARGATE.");
  }

  const auto& instances = state.instances(launch.cluster);
  if (std::ranges::none_of(instances,
                           [](const auto& i) { return i.second->status() != "INACTIVE"; })) {
    throw core::invalid_parameter("No Container Instances were found in your cluster.");
  }
  // The index kept across calls; scheduler::place() is its oracle in the tests.
  const scheduler::PlacementIndex& index = services.placement.of(state, launch.cluster);
  auto result = index.place(placement_request(body, launch, static_cast<int>(count)), services.ids);
  return launch_tasks(context, launch, index.instances(), result, state, services.ids);
}

state::Outcome start_task(const RequestContext& context, const ClusterState& state,
                          const Services& services) {
  const json::object& body = context.body;
  const state::ClusterRecord& cluster = active_cluster(state, body);
  TaskLaunch launch = common_launch(context, state, cluster);
  launch.launch_type = "EC2";
  const json::array& named = *array_member(body, "containerInstances");
  if (named.empty() || named.size() > kMaxCount) {
    throw core::invalid_parameter("containerInstances must name between 1 and 10 instances.");
  }
  scheduler::PlacementRequest request = placement_request(json::object{}, launch, 1);
  request.constraints.clear();  // StartTask places where it is told

  state::Outcome outcome{{}, json::object{{"tasks", json::array{}}, {"failures", json::array{}}}};
  json::array& failures = outcome.response["failures"].as_array();
  // One view per named instance, kept across the request, so that each task
  // sees what those started before it took.
  std::map<std::string, scheduler::InstanceView> views;
  for (const auto& item : named) {
    std::string identifier(item.as_string());
    const state::ContainerInstanceRecord* instance = state.instance(
        launch.cluster, scoped_id_from(identifier, "container-instance", launch.cluster));
    if (!instance || instance->status() == "INACTIVE") {
      failures.push_back(failure(identifier, "MISSING"));
      continue;
    }
    auto [view, fresh] = views.try_emplace(instance->id());
    if (fresh) view->second = instance_view(state, *instance, services.presence);
    auto result = scheduler::place({view->second}, request, services.ids);
    if (result.placements.empty()) {
      for (const auto& f : result.failures) {
        failures.push_back(failure(f.arn.empty() ? instance->arn() : f.arn, f.reason));
      }
      continue;
    }
    scheduler::take_resources(view->second, request);  // the same GPU ids place() chose
    add_task(outcome,
             make_task(context, launch, {instance, result.placements[0].gpu_ids}, services.ids));
  }
  return outcome;
}

}  // namespace

void register_task_launch_handlers(Router& router, Services services) {
  router.add("RunTask", write_handler(services, [services](const RequestContext& c,
                                                           const ClusterState& s) {
               return run_task(c, s, services);
             }));
  router.add("StartTask", write_handler(services, [services](const RequestContext& c,
                                                             const ClusterState& s) {
               return start_task(c, s, services);
             }));
}

}  // namespace gantry::api
