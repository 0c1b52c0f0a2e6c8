// CreateTaskSet, UpdateTaskSet, DeleteTaskSet, UpdateServicePrimaryTaskSet.
#include "ecs/task_set_commands.h"

#include "core/error.h"
#include "core/json_members.h"
#include "ecs/lookups.h"
#include "ecs/service_commands.h"
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

// The members of the service that follow its PRIMARY task set: "any task
// set parameter values that exist on the new primary task set that differ
// from the old primary task set in a service are updated to the new value"
// (Developer Guide, "Deploy Amazon ECS services using a third-party controller").
constexpr std::string_view kPrimaryMembers[] = {
    "taskDefinition",  "launchType",       "capacityProviderStrategy",
    "platformVersion", "platformFamily",   "networkConfiguration",
    "loadBalancers",   "serviceRegistries"};

struct Located {
  state::ServiceRecord service;  // a copy, to change
  json::object* task_set = nullptr;
};

Located locate(const Context& context, const TaskSetRef& ref) {
  Located out{task_set_service(context.state, ref.cluster, ref.service)};
  out.task_set = find_task_set(out.service.doc, ref.task_set);
  if (!out.task_set) throw core::task_set_not_found();
  return out;
}

TaskSetWritten written(const Context& context, state::ServiceRecord service,
                       const json::object& task_set) {
  json::object answer =
      render_task_set(context.state, service.cluster, service.doc, task_set, true);
  return {{service_change(std::move(service))}, std::move(answer)};
}

}  // namespace

const state::ServiceRecord& task_set_service(const state::ClusterState& state,
                                             const std::string& cluster,
                                             const std::string& service) {
  const state::ClusterRecord& active = active_cluster(state, cluster);
  const state::ServiceRecord* found = find_service(state, active.name(), service);
  if (!found) throw core::service_not_found();
  if (found->status() != "ACTIVE") throw core::service_not_active();
  if (!uses_task_sets(found->doc)) {
    throw core::invalid_parameter(std::string(kTaskSetsNeedExternalController));
  }
  return *found;
}

TaskSetWritten create_task_set(const Context& context, const CreateTaskSet& command) {
  const json::object& request = command.request;
  state::ServiceRecord service =
      task_set_service(context.state, string_member(request, "cluster", "default"),
                       string_member(request, "service"));
  json::array& all = task_sets(service.doc);
  if (std::string token = string_member(request, "clientToken"); !token.empty()) {
    for (const auto& t : all) {
      // A repeat of a create already made answers the task set it made.
      if (string_member(t.as_object(), "clientToken") == token) {
        return {{},
                render_task_set(context.state, service.cluster, service.doc, t.as_object(), true)};
      }
    }
  }
  if (all.size() >= kMaxTaskSets) {
    throw core::invalid_parameter(std::to_string(all.size()) +
                                  " deployments exist on the service. Unable to create new "
                                  "TaskSet since this exceeds the maximum limit.");
  }
  const state::TaskDefinitionRecord& definition =
      service_task_definition(context.state, string_member(request, "taskDefinition"));
  const state::ClusterRecord& cluster = *context.state.cluster(service.cluster);
  ServiceCapacity capacity = service_capacity(cluster, string_member(request, "launchType"),
                                              array_member(request, "capacityProviderStrategy"));
  if (!capacity.fargate && request.contains("platformVersion")) {
    throw core::invalid_parameter(
        "The platform version must be null when specifying an EC2 launch type.");
  }
  check_definition_fits(definition, capacity, object_member(request, "networkConfiguration"));
  if (const auto* tags = array_member(request, "tags")) validate_tags(*tags);

  json::object task_set =
      new_task_set(context, service.cluster, service.doc, request, definition, capacity);
  all.push_back(task_set);
  return written(context, std::move(service), task_set);
}

TaskSetWritten update_task_set(const Context& context, const UpdateTaskSet& command) {
  Located located = locate(context, command.ref);
  json::object& task_set = *located.task_set;
  if (string_member(task_set, "status") == "DRAINING") {
    // gantry's words: ECS documents no answer for a task set being deleted.
    throw core::invalid_parameter("The task set is DRAINING and can no longer be scaled.");
  }
  json::object scale = scale_of(&command.scale);
  const int64_t before = computed_desired_count(located.service.doc, task_set);
  const double now = context.now_seconds();
  task_set["scale"] = std::move(scale);
  task_set["updatedAt"] = now;
  if (computed_desired_count(located.service.doc, task_set) != before) {
    set_stability(task_set, false, now);
  }
  json::object answer = task_set;
  return written(context, std::move(located.service), answer);
}

TaskSetWritten delete_task_set(const Context& context, const DeleteTaskSet& command) {
  Located located = locate(context, command.ref);
  json::object& task_set = *located.task_set;
  const std::string status = string_member(task_set, "status");
  if (status == "DRAINING") {
    return {{},
            render_task_set(context.state, located.service.cluster, located.service.doc, task_set,
                            true)};
  }
  // gantry's words for ECS's rules: force "can delete a task set even if it
  // hasn't been scaled down to zero" (botocore, DeleteTaskSetRequest.force);
  // the PRIMARY serves production traffic.
  if (!command.force && status == "PRIMARY") {
    throw core::invalid_parameter(
        "The task set is the service's PRIMARY task set and cannot be deleted unless forced. "
        "Make another task set the PRIMARY first (UpdateServicePrimaryTaskSet).");
  }
  if (!command.force && computed_desired_count(located.service.doc, task_set) > 0) {
    throw core::invalid_parameter(
        "The task set cannot be deleted while it is scaled above 0 unless forced.");
  }
  // DRAINING until its tasks are gone; the controller stops them and then
  // removes the task set.
  const double now = context.now_seconds();
  task_set["status"] = "DRAINING";
  task_set["updatedAt"] = now;
  set_stability(task_set, false, now);
  json::object answer = task_set;
  return written(context, std::move(located.service), answer);
}

TaskSetWritten update_service_primary_task_set(const Context& context,
                                               const UpdateServicePrimaryTaskSet& command) {
  Located located = locate(context, command.ref);
  json::object& primary = *located.task_set;
  if (string_member(primary, "status") == "DRAINING") {
    throw core::invalid_parameter("A DRAINING task set cannot become the PRIMARY task set.");
  }
  if (string_member(primary, "status") == "PRIMARY") {
    return {{},
            render_task_set(context.state, located.service.cluster, located.service.doc, primary,
                            true)};
  }
  const double now = context.now_seconds();
  json::object& service = located.service.doc;
  for (auto& t : task_sets(service)) {
    json::object& other = t.as_object();
    if (string_member(other, "status") == "PRIMARY") {
      other["status"] = "ACTIVE";
      other["updatedAt"] = now;
    }
  }
  primary["status"] = "PRIMARY";
  primary["updatedAt"] = now;
  for (std::string_view member : kPrimaryMembers) {
    if (const auto* value = primary.if_contains(member)) {
      service[member] = *value;
    } else if (member != "taskDefinition") {
      service.erase(member);
    }
  }
  json::object answer = primary;
  return written(context, std::move(located.service), answer);
}

}  // namespace gantry::ecs
