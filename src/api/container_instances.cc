// RegisterContainerInstance, DeregisterContainerInstance,
// UpdateContainerInstancesState (as ecs/container_instance_commands),
// DescribeContainerInstances, ListContainerInstances, DiscoverPollEndpoint.
#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/container_instance_commands.h"
#include "ecs/container_instance_health.h"
#include "ecs/container_instance_view.h"
#include "ecs/instance_placement_view.h"
#include "scheduler/query_language.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::ContainerInstanceRecord;

namespace {

json::array array_or_empty(const json::object& body, std::string_view name) {
  const json::array* given = array_member(body, name);
  return given ? *given : json::array{};
}

std::vector<std::string> strings_of(const json::array& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.emplace_back(item.as_string());
  return out;
}

state::Outcome register_instance(const RequestContext& context, const ClusterState& state,
                                 const Services& services) {
  const json::object& body = context.body;
  ecs::RegisterInstance command;
  command.cluster = string_member(body, "cluster", "default");
  command.container_instance_arn = string_member(body, "containerInstanceArn");
  command.instance_identity_document = string_member(body, "instanceIdentityDocument");
  command.total_resources = array_or_empty(body, "totalResources");
  command.platform_devices = array_or_empty(body, "platformDevices");
  command.attributes = array_or_empty(body, "attributes");
  if (auto* info = object_member(body, "versionInfo")) command.version_info = *info;
  command.tags = array_or_empty(body, "tags");
  auto registered = ecs::register_instance(ecs_context(context, state, services), command);
  return {std::move(registered.changes),
          json::object{{"containerInstance", std::move(registered.container_instance)}}};
}

state::Outcome deregister_instance(const RequestContext& context, const ClusterState& state,
                                   const Services& services) {
  const json::object& body = context.body;
  ecs::DeregisterInstance command{string_member(body, "cluster", "default"),
                                  string_member(body, "containerInstance"),
                                  bool_member(body, "force", false)};
  auto deregistered = ecs::deregister_instance(ecs_context(context, state, services), command);
  return {std::move(deregistered.changes),
          json::object{{"containerInstance", std::move(deregistered.container_instance)}}};
}

state::Outcome update_instances_state(const RequestContext& context, const ClusterState& state,
                                      const Services& services) {
  const json::object& body = context.body;
  ecs::UpdateInstancesState command{string_member(body, "cluster", "default"),
                                    strings_of(*array_member(body, "containerInstances")),
                                    string_member(body, "status")};
  auto updated = ecs::update_instances_state(ecs_context(context, state, services), command);
  json::array failures;
  for (auto& f : updated.failures) {
    failures.push_back(json::object{{"arn", std::move(f.arn)}, {"reason", std::move(f.reason)}});
  }
  return {std::move(updated.changes),
          json::object{{"containerInstances", std::move(updated.container_instances)},
                       {"failures", std::move(failures)}}};
}

bool includes(const json::object& body, std::string_view what) {
  if (auto* include = array_member(body, "include")) {
    for (const auto& item : *include) {
      if (item.as_string() == what) return true;
    }
  }
  return false;
}

json::object describe_instances(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  const json::array& requested = *array_member(body, "containerInstances");
  if (requested.size() > 100) {
    throw core::invalid_parameter("containerInstances can name at most 100 instances.");
  }
  json::array found;
  json::array failures;
  for (const auto& item : requested) {
    std::string identifier(item.as_string());
    const ContainerInstanceRecord* instance = ecs::find_instance(state, cluster, identifier);
    if (!instance) {
      failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      continue;
    }
    bool connected = instance->agent_connected();
    json::object rendered = ecs::render_container_instance(
        *instance, ecs::usage_of(state, *instance), connected, includes(body, "TAGS"));
    if (includes(body, "CONTAINER_INSTANCE_HEALTH")) {
      rendered["healthStatus"] = ecs::instance_health(*instance, connected);
    }
    found.push_back(std::move(rendered));
  }
  return {{"containerInstances", std::move(found)}, {"failures", std::move(failures)}};
}

json::object list_instances(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  PageRequest page = read_page_request(body);
  std::string status = string_member(body, "status");
  std::optional<scheduler::CompiledQuery> filter;
  if (std::string text = string_member(body, "filter"); !text.empty()) {
    filter = scheduler::compile_query(text);
  }
  std::vector<const ContainerInstanceRecord*> matching;
  for (const auto& [id, instance] : state.instances(cluster)) {
    std::string s = instance->status();
    if (status.empty() ? s == "INACTIVE" : s != status) continue;
    if (filter && !filter->matches(ecs::instance_view(state, *instance))) continue;
    matching.push_back(instance.get());
  }
  json::array arns;
  json::object response;
  paginate(
      page, matching, [](const ContainerInstanceRecord* i) { return i->id(); },
      [&](const ContainerInstanceRecord* i) { arns.push_back(json::string(i->arn())); },
      response);
  response["containerInstanceArns"] = std::move(arns);
  return response;
}

}  // namespace

void register_container_instance_handlers(Router& router, Services services) {
  router.add("RegisterContainerInstance", write_handler(services, register_instance));
  router.add("DeregisterContainerInstance", write_handler(services, deregister_instance));
  router.add("DescribeContainerInstances", read_handler(services, describe_instances));
  router.add("ListContainerInstances", read_handler(services, list_instances));
  router.add("UpdateContainerInstancesState", write_handler(services, update_instances_state));
  router.add("DiscoverPollEndpoint",
             read_handler(services, [endpoint = services.agent_endpoint](
                                        const RequestContext& c, const ClusterState& s) {
               if (c.body.contains("cluster")) active_cluster(s, c.body);
               return json::object{{"endpoint", endpoint},
                                   {"telemetryEndpoint", endpoint},
                                   {"serviceConnectEndpoint", endpoint}};
             }));
}

}  // namespace gantry::api
