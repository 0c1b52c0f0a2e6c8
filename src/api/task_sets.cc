// CreateTaskSet, DescribeTaskSets, UpdateTaskSet, DeleteTaskSet,
// UpdateServicePrimaryTaskSet: the task sets of a service whose
// deploymentController is EXTERNAL or CODE_DEPLOY.
#include "ecs/task_sets.h"

#include "api/handler_support.h"
#include "ecs/task_set_commands.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

state::Outcome answered(ecs::TaskSetWritten written) {
  return {std::move(written.changes), json::object{{"taskSet", std::move(written.task_set)}}};
}

ecs::TaskSetRef ref_of(const json::object& body, std::string_view task_set_member) {
  return {string_member(body, "cluster", "default"), string_member(body, "service"),
          string_member(body, task_set_member)};
}

state::Outcome create_task_set(const RequestContext& context, const ClusterState& state,
                               const Services& services) {
  return answered(ecs::create_task_set(ecs_context(context, state, services), {context.body}));
}

state::Outcome update_task_set(const RequestContext& context, const ClusterState& state,
                               const Services& services) {
  const json::object* scale = object_member(context.body, "scale");
  ecs::UpdateTaskSet command{ref_of(context.body, "taskSet"), scale ? *scale : json::object()};
  return answered(ecs::update_task_set(ecs_context(context, state, services), command));
}

state::Outcome delete_task_set(const RequestContext& context, const ClusterState& state,
                               const Services& services) {
  ecs::DeleteTaskSet command{ref_of(context.body, "taskSet"),
                             bool_member(context.body, "force", false)};
  return answered(ecs::delete_task_set(ecs_context(context, state, services), command));
}

state::Outcome update_service_primary_task_set(const RequestContext& context,
                                               const ClusterState& state,
                                               const Services& services) {
  ecs::UpdateServicePrimaryTaskSet command{ref_of(context.body, "primaryTaskSet")};
  return answered(
      ecs::update_service_primary_task_set(ecs_context(context, state, services), command));
}

// Every task set, or those named; a name that is none of the service's is
// a failure with reason MISSING, as DescribeServices answers.
json::object describe_task_sets(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  const state::ServiceRecord& service = ecs::task_set_service(
      state, string_member(body, "cluster", "default"), string_member(body, "service"));
  bool include_tags = false;
  if (auto* include = array_member(body, "include")) {
    for (const auto& i : *include) include_tags = include_tags || i.as_string() == "TAGS";
  }
  const json::array* named = array_member(body, "taskSets");
  if (!named || named->empty()) {
    return {{"taskSets", ecs::render_task_sets(state, service.cluster, service.doc, include_tags)},
            {"failures", json::array()}};
  }
  json::array found, failures;
  for (const auto& item : *named) {
    std::string identifier(item.as_string());
    if (const auto* task_set = ecs::find_task_set(service.doc, identifier)) {
      found.push_back(
          ecs::render_task_set(state, service.cluster, service.doc, *task_set, include_tags));
      continue;
    }
    std::string arn = identifier.starts_with("arn:")
                          ? identifier
                          : core::task_set_arn(context.region, context.account_id, service.cluster,
                                               service.name(), identifier);
    failures.push_back(json::object{{"arn", std::move(arn)}, {"reason", "MISSING"}});
  }
  return {{"taskSets", std::move(found)}, {"failures", std::move(failures)}};
}

}  // namespace

void register_task_set_handlers(Router& router, Services services) {
  router.add("CreateTaskSet", write_handler(services, ServicesWriteFunction(create_task_set)));
  router.add("UpdateTaskSet", write_handler(services, ServicesWriteFunction(update_task_set)));
  router.add("DeleteTaskSet", write_handler(services, ServicesWriteFunction(delete_task_set)));
  router.add("UpdateServicePrimaryTaskSet",
             write_handler(services, ServicesWriteFunction(update_service_primary_task_set)));
  router.add("DescribeTaskSets", read_handler(services, describe_task_sets));
}

}  // namespace gantry::api
