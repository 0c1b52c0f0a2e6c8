#include "ecs/task_launch.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/json_members.h"
#include "ecs/capacity_provider_strategy.h"
#include "ecs/container_instance_view.h"
#include "ecs/instance_placement_view.h"
#include "ecs/launch_checks.h"
#include "ecs/lookups.h"
#include "ecs/placement_indexes.h"
#include "ecs/tags.h"
#include "ecs/task_factory.h"
#include "ecs/task_view.h"
#include "model/instance_lifecycle.h"
#include "scheduler/resource_fit.h"

namespace gantry::ecs {

using core::array_member;
using core::string_member;

namespace json = boost::json;
using state::ClusterState;

namespace {

constexpr int kMaxCount = 10;

// Where a RunTask's tasks go: one launch type (no provider, or FARGATE's
// for launchType FARGATE), or shares of a capacity provider strategy (the
// request's, else the cluster's default).
std::vector<ProviderShare> capacity_shares(const RunTasks& command,
                                           const state::ClusterRecord& cluster,
                                           TaskLaunch& launch) {
  const std::string& launch_type = command.launch_type;
  std::vector<CapacityProviderItem> strategy = command.capacity_provider_strategy;
  check_launch_type(launch_type, !strategy.empty());
  launch.launch_type = launch_type.empty() ? "EC2" : launch_type;
  if (launch_type == "FARGATE") return {{"FARGATE", command.count}};
  if (strategy.empty() && launch_type.empty()) {
    if (auto* fallback = array_member(cluster.doc, "defaultCapacityProviderStrategy")) {
      strategy = strategy_of(*fallback);
    }
  }
  if (strategy.empty()) return {{"", command.count}};  // EC2 on any of the cluster's instances
  check_strategy_shape(strategy);
  for (const auto& entry : strategy) check_provider_associated(cluster, entry.capacity_provider);
  launch.launch_type = is_fargate_provider(strategy.front().capacity_provider) ? "FARGATE" : "EC2";
  return split_tasks(strategy, command.count, command.running_by_provider);
}

void check_network(const TaskSpec& spec, const json::object& definition, TaskLaunch& launch) {
  const auto& config = spec.network_configuration;
  check_network_configuration(definition, config.has_value());
  if (config) launch.network_configuration = *config;
}

json::array propagated_tags(const TaskSpec& spec, const state::TaskDefinitionRecord& definition) {
  validate_tags(spec.tags);
  json::array tags = spec.tags;
  const std::string& propagate = spec.propagate_tags;
  if (propagate == "SERVICE") {
    throw core::invalid_parameter("propagateTags SERVICE applies to tasks a service starts, "
                                  "not to RunTask; use TASK_DEFINITION or NONE.");
  }
  if (propagate == "TASK_DEFINITION") tags = merge_tags(definition.tags, tags);
  return tags;
}

// What every launch shares, from the request: definition, overrides, sizes,
// group, tags.
TaskLaunch common_launch(const ClusterState& state, const state::ClusterRecord& cluster,
                         const TaskSpec& spec) {
  TaskLaunch launch;
  launch.cluster = cluster.name();
  launch.cluster_arn = std::string(cluster.doc.at("clusterArn").as_string());
  launch.definition = &runnable_task_definition(state, spec.task_definition);
  const json::object& definition = launch.definition->doc;
  launch.overrides = spec.overrides;
  launch.requirements = task_requirements(definition, launch.overrides);
  launch.group = spec.group.value_or("family:" + launch.definition->family());
  launch.started_by = spec.started_by;
  if (launch.started_by.size() > 128) {
    throw core::invalid_parameter("startedBy can be at most 128 characters.");
  }
  launch.tags = propagated_tags(spec, *launch.definition);
  launch.enable_execute_command = spec.enable_execute_command;
  check_network(spec, definition, launch);
  return launch;
}

// `command` is null for StartTask, which places where it is told.
scheduler::PlacementRequest placement_request(const RunTasks* command, const TaskLaunch& launch,
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
  if (!command) return request;
  const auto& given = command->placement_constraints;
  if (given) request.constraints.insert(request.constraints.end(), given->begin(), given->end());
  request.strategies = command->placement_strategy;
  if (launch.launch_type == "FARGATE" && (given || !request.strategies.empty())) {
    throw core::invalid_parameter(
        "Task placement constraints and strategies are not supported for the FARGATE launch "
        "type.");
  }
  return request;
}

// A new task into the result: its record among the changes, its document
// among the tasks.
void add_task(Launched& launched, NewTask task) {
  launched.tasks.push_back(std::move(task.doc));
  std::string key = state::task_key(task.record.cluster, task.record.id());
  launched.changes.push_back(state::put_change(std::move(key), std::move(task.record)));
}

Launched launch_tasks(const Context& context, const TaskLaunch& launch,
                      const std::vector<scheduler::InstanceView>& snapshot,
                      const scheduler::PlacementResult& result) {
  Launched launched;
  for (const auto& placement : result.placements) {
    const state::ContainerInstanceRecord* host = context.state.host(snapshot[placement.instance].id);
    add_task(launched, make_task(context, launch, {host, placement.gpu_ids}));
  }
  // FARGATE hosts are no container instances of the cluster: a failure
  // names none.
  const bool fargate = launch.launch_type == "FARGATE";
  for (const auto& f : result.failures) {
    launched.failures.push_back({fargate ? std::string() : f.arn, f.reason});
  }
  return launched;
}

// No agent offers FARGATE capacity: each task fails as RunTask reports
// Fargate capacity it cannot get.
Launched fargate_unavailable(int64_t count) {
  Launched launched;
  for (int64_t i = 0; i < count; ++i) {
    launched.failures.push_back(
        {"", "Capacity is unavailable at this time. Please try again later or in a different "
             "availability zone"});
  }
  return launched;
}

void append(Launched& to, Launched more) {
  std::ranges::move(more.changes, std::back_inserter(to.changes));
  std::ranges::move(more.tasks, std::back_inserter(to.tasks));
  std::ranges::move(more.failures, std::back_inserter(to.failures));
}

// FARGATE and FARGATE_SPOT draw on one pool: the tasks are placed together,
// then take the shares' providers in order.
Launched launch_on_fargate(const Context& context, TaskLaunch& launch,
                           const scheduler::PlacementRequest& request,
                           const std::vector<ProviderShare>& shares) {
  // The pool every cluster draws on; no cluster registers instances for it.
  const scheduler::PlacementIndex& pool = context.placement.fargate_pool(context.state);
  // Removed hosts stay as INACTIVE tombstones.
  if (std::ranges::all_of(pool.instances(),
                          [](const auto& host) { return host.status == "INACTIVE"; })) {
    return fargate_unavailable(request.count);
  }
  scheduler::PlacementResult placed = pool.place(request, context.ids);
  Launched launched;
  size_t next = 0;
  for (const ProviderShare& share : shares) {
    scheduler::PlacementResult part;
    size_t end = std::min(placed.placements.size(), next + static_cast<size_t>(share.count));
    part.placements.assign(placed.placements.begin() + next, placed.placements.begin() + end);
    next = end;
    launch.capacity_provider_name = share.capacity_provider;
    append(launched, launch_tasks(context, launch, pool.instances(), part));
  }
  append(launched, launch_tasks(context, launch, pool.instances(),
                                {.placements = {}, .failures = std::move(placed.failures)}));
  return launched;
}

// Those of `named` the instance registered and no task holds, in the order
// named; placement then takes them (a task asks as many as are named).
std::vector<std::string> named_free_gpus(const ClusterState& state,
                                         const state::ContainerInstanceRecord& instance,
                                         const std::vector<std::string>& named) {
  std::vector<std::string> registered = registered_strings(instance.doc, "GPU");
  const auto& held = state.holdings(instance.id()).gpu_ids;
  std::vector<std::string> free;
  for (const auto& gpu : named) {
    if (std::ranges::find(registered, gpu) != registered.end() && !held.contains(gpu)) {
      free.push_back(gpu);
    }
  }
  return free;
}

}  // namespace

Launched run_tasks(const Context& context, const RunTasks& command) {
  const ClusterState& state = context.state;
  const state::ClusterRecord& cluster = active_cluster(state, command.task.cluster);
  const std::string& client_token = command.client_token;
  if (client_token.size() > 64) {
    throw core::invalid_parameter("clientToken can be at most 64 characters.");
  }
  if (!client_token.empty()) {
    // A retried request: answer with what the first one launched.
    auto earlier = state.tasks_with_token(cluster.name(), client_token);
    if (!earlier.empty()) {
      Launched launched;
      for (const auto* task : earlier) launched.tasks.push_back(render_task(*task, true));
      return launched;
    }
  }
  int64_t count = command.count;
  if (count < 1 || count > kMaxCount) {
    throw core::invalid_parameter("count must be between 1 and 10, got " + std::to_string(count) +
                                  ".");
  }
  TaskLaunch launch = common_launch(state, cluster, command.task);
  launch.client_token = client_token;
  std::vector<ProviderShare> shares = capacity_shares(command, cluster, launch);
  if (launch.launch_type == "FARGATE" &&
      !lists_string(launch.definition->doc.if_contains("compatibilities"), "FARGATE")) {
    throw core::invalid_parameter("Task definition does not support launch_type FARGATE.");
  }
  auto request = placement_request(&command, launch, static_cast<int>(count));
  if (launch.launch_type == "FARGATE") return launch_on_fargate(context, launch, request, shares);

  const auto& instances = state.instances(launch.cluster);
  if (std::ranges::none_of(instances,
                           [](const auto& i) { return model::is_registered(i.second->status()); })) {
    throw core::invalid_parameter("No Container Instances were found in your cluster.");
  }
  // The index kept across calls; scheduler::place() is its oracle in the tests.
  const scheduler::PlacementIndex& index = context.placement.of(state, launch.cluster);
  // Each share on its provider's instances, which no other share's include:
  // placing one share cannot take what another placed.
  Launched launched;
  for (const ProviderShare& share : shares) {
    launch.capacity_provider_name = share.capacity_provider;
    request.capacity_provider = share.capacity_provider;
    request.count = static_cast<int>(share.count);
    append(launched, launch_tasks(context, launch, index.instances(),
                                  index.place(request, context.ids)));
  }
  return launched;
}

Launched start_tasks(const Context& context, const StartTasks& command) {
  const ClusterState& state = context.state;
  const state::ClusterRecord& cluster = active_cluster(state, command.task.cluster);
  TaskLaunch launch = common_launch(state, cluster, command.task);
  launch.launch_type = "EC2";
  const std::vector<std::string>& named = command.container_instances;
  if (named.empty() || named.size() > kMaxCount) {
    throw core::invalid_parameter("containerInstances must name between 1 and 10 instances.");
  }
  scheduler::PlacementRequest request = placement_request(nullptr, launch, 1);
  request.constraints.clear();  // StartTask places where it is told

  Launched launched;
  // One view per named instance, kept across the request, so that each task
  // sees what those started before it took.
  std::map<std::string, scheduler::InstanceView> views;
  for (const std::string& identifier : named) {
    const state::ContainerInstanceRecord* instance =
        find_instance(state, launch.cluster, identifier);
    if (!instance || !model::is_registered(instance->status())) {
      launched.failures.push_back({identifier, "MISSING"});
      continue;
    }
    auto [view, fresh] = views.try_emplace(instance->id());
    if (fresh) {
      view->second = instance_view(state, *instance);
      if (!command.gpu_ids.empty()) {
        view->second.free_gpu_ids = named_free_gpus(state, *instance, command.gpu_ids);
      }
    }
    auto result = scheduler::place({view->second}, request, context.ids);
    if (result.placements.empty()) {
      for (const auto& f : result.failures) {
        launched.failures.push_back({f.arn.empty() ? instance->arn() : f.arn, f.reason});
      }
      continue;
    }
    scheduler::take_resources(view->second, request);  // the same GPU ids place() chose
    add_task(launched, make_task(context, launch, {instance, result.placements[0].gpu_ids}));
  }
  return launched;
}

}  // namespace gantry::ecs
