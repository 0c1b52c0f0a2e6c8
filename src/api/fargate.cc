// gantry's own operations on the FARGATE pool, on the ECS endpoint with the
// same SigV4 (botocore's model does not describe them):
//   DescribeFargateHosts  input:  {}
//                         output: {"fargateHosts": [ContainerInstance + {"tasks":
//                                  [{"cluster", "runningTasksCount", "pendingTasksCount"}]}]}
//     The hosts that serve every cluster's FARGATE tasks, which no cluster
//     lists as its container instances (`gantry fargate hosts`).
//   InterruptSpotTasks    input:  {"cluster"?: name or ARN, "tasks"?: [id or ARN, ...]}
//                         output: {"tasks": [Task], "failures": [{"arn", "reason"}]}
//     Stops FARGATE_SPOT tasks as a Spot interruption does
//     (`gantry fargate interrupt`).
#include <map>

#include "api/extension_input.h"
#include "api/handler_support.h"
#include "ecs/container_instance_view.h"
#include "ecs/instance_placement_view.h"
#include "ecs/spot_interruption.h"
#include "model/task_lifecycle.h"

namespace gantry::api {

namespace json = boost::json;

namespace {

// What a host runs, cluster by cluster.
json::array tasks_by_cluster(const state::ClusterState& state, const std::string& host_id) {
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // running, pending
  for (const state::TaskRecord* task : state.tasks_on_host(host_id)) {
    auto status = model::parse_task_status(task->last_status());
    if (!status || *status == model::TaskStatus::kStopped) continue;
    auto& [running, pending] = counts[task->cluster];
    if (*status == model::TaskStatus::kRunning) ++running;
    if (model::is_pending(*status)) ++pending;
  }
  json::array out;
  for (const auto& [cluster, count] : counts) {
    out.push_back(json::object{{"cluster", cluster},
                               {"runningTasksCount", count.first},
                               {"pendingTasksCount", count.second}});
  }
  return out;
}

json::object describe_fargate_hosts(const RequestContext& context,
                                    const state::ClusterState& state) {
  check_extension_input(context.body, {});
  json::array hosts;
  for (const auto& [id, instance] : state.hosts()) {
    if (!ecs::described_instance(*instance).offers_fargate) continue;
    json::object host = ecs::render_container_instance(*instance, ecs::usage_of(state, *instance),
                                                       instance->agent_connected(), false);
    host["tasks"] = tasks_by_cluster(state, id);
    hosts.push_back(std::move(host));
  }
  return {{"fargateHosts", std::move(hosts)}};
}

state::Outcome interrupt_spot_tasks(const RequestContext& context, const state::ClusterState& state,
                                    const Services& services) {
  using Kind = ExtensionMember::Kind;
  check_extension_input(context.body, {{"cluster", Kind::kString}, {"tasks", Kind::kStringList}});
  ecs::InterruptSpotTasks command;
  command.cluster = string_member(context.body, "cluster", "default");
  if (const json::array* tasks = array_member(context.body, "tasks")) {
    for (const auto& task : *tasks) command.tasks.emplace_back(task.get_string());
  }
  auto interrupted = ecs::interrupt_spot_tasks(ecs_context(context, state, services), command);
  return {std::move(interrupted.changes),
          json::object{{"tasks", std::move(interrupted.tasks)},
                       {"failures", std::move(interrupted.failures)}}};
}

}  // namespace

void register_fargate_handlers(Router& router, Services services) {
  router.add_extension("DescribeFargateHosts", read_handler(services, describe_fargate_hosts));
  router.add_extension("InterruptSpotTasks", write_handler(services, interrupt_spot_tasks));
}

}  // namespace gantry::api
