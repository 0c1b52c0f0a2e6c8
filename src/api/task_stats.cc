// DescribeTaskStats, gantry's own operation on the ECS endpoint: the CPU and
// memory of a cluster's running tasks, as their agents last reported them.
//   input:  {"cluster"?: name or ARN, "tasks"?: [id or ARN, ...]}
//   output: {"taskStats": [{"taskArn", "containerInstanceArn", "sampledAt",
//            "containers": [{"name", "runtimeId", "cpuPercent", "memoryBytes",
//                            "memoryLimitBytes"}]}],
//            "failures": [{"arn", "reason": "MISSING"}]}
// botocore's model does not describe it, so the body is checked here.
#include <set>

#include "api/extension_input.h"
#include "api/handler_support.h"

namespace gantry::api {

namespace json = boost::json;

namespace {

void check_input(const json::object& body) {
  using Kind = ExtensionMember::Kind;
  check_extension_input(body, {{"cluster", Kind::kString}, {"tasks", Kind::kStringList}});
}

json::object render(const state::TaskStatsEntry& entry, bool show_instance) {
  json::array containers;
  for (const auto& c : entry.containers) {
    containers.push_back(json::object{{"name", c.name},
                                      {"runtimeId", c.runtime_id},
                                      {"cpuPercent", c.cpu_percent},
                                      {"memoryBytes", c.memory_bytes},
                                      {"memoryLimitBytes", c.memory_limit_bytes}});
  }
  json::object out{{"taskArn", entry.task_arn}, {"sampledAt", entry.sampled_at}};
  if (show_instance) out["containerInstanceArn"] = entry.instance_arn;
  out["containers"] = std::move(containers);
  return out;
}

// Whether `entry` describes `task` as it is now: a task not yet stopped,
// reported by the agent of the instance it was placed on.
bool current(const state::TaskStatsEntry& entry, const state::TaskRecord& task) {
  if (task.last_status() == "STOPPED") return false;
  // By id: a FARGATE host's ARN names the pool, not the task's cluster.
  return core::arn_last_segment(entry.instance_arn) == task.instance_id;
}

json::object describe_task_stats(const RequestContext& context, const state::ClusterState& state,
                                 state::TaskStats& stats) {
  check_input(context.body);
  std::string cluster = active_cluster(state, context.body).name();
  std::optional<std::set<std::string>> wanted;  // task ids; all when absent
  json::array failures;
  if (const json::array* tasks = array_member(context.body, "tasks")) {
    wanted.emplace();
    for (const auto& task : *tasks) {
      std::string identifier(task.get_string());
      std::string id = core::scoped_id_from(identifier, "task", cluster);
      wanted->insert(id);
    }
  }
  json::array out;
  std::set<std::string> found;
  for (const auto& entry : stats.cluster(cluster, context.now)) {
    std::string id;
    try {
      id = core::scoped_id_from(entry.task_arn, "task", cluster);
    } catch (const core::ApiError&) {
      continue;  // an ARN this cluster cannot hold
    }
    if (wanted && !wanted->contains(id)) continue;
    const state::TaskRecord* task = state.task(cluster, id);
    if (!task || !current(entry, *task)) continue;
    out.push_back(render(entry, task->doc().contains("containerInstanceArn")));
    found.insert(id);
  }
  if (wanted) {
    for (const auto& task : *array_member(context.body, "tasks")) {
      std::string identifier(task.get_string());
      if (!found.contains(core::scoped_id_from(identifier, "task", cluster))) {
        failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      }
    }
  }
  return {{"taskStats", std::move(out)}, {"failures", std::move(failures)}};
}

}  // namespace

void register_task_stats_handlers(Router& router, Services services, state::TaskStats& stats) {
  router.add_extension("DescribeTaskStats",
                       read_handler(services, [&stats](const RequestContext& context,
                                                       const state::ClusterState& state) {
                         return describe_task_stats(context, state, stats);
                       }));
}

}  // namespace gantry::api
