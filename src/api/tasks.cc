// StopTask, DescribeTasks, ListTasks.
#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/task_stop.h"
#include "ecs/task_view.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::TaskRecord;

namespace {

constexpr size_t kMaxDescribe = 100;

state::Outcome stop_task(const RequestContext& context, const ClusterState& state,
                         const Services& services) {
  const json::object& body = context.body;
  ecs::StopTask command;
  command.cluster = string_member(body, "cluster", "default");
  command.task = string_member(body, "task");
  command.reason = string_member(body, "reason", command.reason);
  ecs::Stopped stopped = ecs::stop_task(ecs_context(context, state, services), command);
  return {std::move(stopped.changes), json::object{{"task", std::move(stopped.task)}}};
}

json::object describe_tasks(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  const json::array& requested = *array_member(body, "tasks");
  if (requested.size() > kMaxDescribe) {
    throw core::invalid_parameter("tasks can name at most 100 tasks.");
  }
  bool include_tags = false;
  if (auto* include = array_member(body, "include")) {
    for (const auto& i : *include) include_tags = include_tags || i.as_string() == "TAGS";
  }
  json::array tasks;
  json::array failures;
  for (const auto& item : requested) {
    std::string identifier(item.as_string());
    const TaskRecord* task = ecs::find_task(state, cluster, identifier);
    if (!task) {
      failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      continue;
    }
    tasks.push_back(ecs::render_task(*task, include_tags));
  }
  return {{"tasks", std::move(tasks)}, {"failures", std::move(failures)}};
}

std::string family_of(const json::object& task) {
  return core::task_definition_family(string_member(task, "taskDefinitionArn"));
}

// Walks from the page token's task on, in id order, so a page costs what it
// returns (and the tasks it skips), not every task of the cluster.
json::object list_tasks(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  PageRequest page = read_page_request(body);
  std::string instance;
  if (std::string given = string_member(body, "containerInstance"); !given.empty()) {
    instance = core::scoped_id_from(given, "container-instance", cluster);
  }
  std::string family = string_member(body, "family");
  std::string started_by = string_member(body, "startedBy");
  std::string service = string_member(body, "serviceName");
  std::string desired = string_member(body, "desiredStatus", "RUNNING");
  std::string launch_type = string_member(body, "launchType");
  const bool reads_document = !family.empty() || !launch_type.empty();

  auto matches = [&](const TaskRecord& task) {
    if (task.desired_status() != desired) return false;
    if (!instance.empty() && task.instance_id != instance) return false;
    if (!service.empty() && task.group() != "service:" + service) return false;
    if (!started_by.empty() && task.started_by() != started_by) return false;
    if (!reads_document) return true;
    json::object doc = task.doc();
    return (family.empty() || family_of(doc) == family) &&
           (launch_type.empty() || string_member(doc, "launchType") == launch_type);
  };
  json::array arns;
  json::object response;
  std::string_view last;
  // Whether to go on: false once a match is left for the next page.
  auto visit = [&](const TaskRecord& task) {
    if (!matches(task)) return true;
    if (arns.size() == page.max_results) {
      response["nextToken"] = encode_page_token(last);
      return false;
    }
    arns.push_back(json::string(task.arn()));
    last = task.id();
    return true;
  };
  // The narrowest index the filters name; each lists tasks in id order.
  auto visit_all = [&](const std::vector<const TaskRecord*>& tasks) {
    for (const TaskRecord* task : tasks) {
      if (page.after && task->id() <= *page.after) continue;
      if (!visit(*task)) break;
    }
  };
  if (!instance.empty()) {
    visit_all(state.tasks_on(cluster, instance));
  } else if (!started_by.empty()) {
    visit_all(state.tasks_started_by(cluster, started_by));
  } else if (!service.empty()) {
    visit_all(state.tasks_in_group(cluster, "service:" + service));
  } else {
    const auto& tasks = state.tasks(cluster);
    auto it = page.after ? tasks.upper_bound(std::string_view(*page.after)) : tasks.begin();
    for (; it != tasks.end() && visit(*it->second); ++it) {
    }
  }
  response["taskArns"] = std::move(arns);
  return response;
}

}  // namespace

void register_task_handlers(Router& router, Services services) {
  router.add("StopTask", write_handler(services, stop_task));
  router.add("DescribeTasks", read_handler(services, describe_tasks));
  router.add("ListTasks", read_handler(services, list_tasks));
}

}  // namespace gantry::api
