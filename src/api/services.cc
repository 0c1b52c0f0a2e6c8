// CreateService, UpdateService, DeleteService, DescribeServices,
// ListServices, ListServicesByNamespace.
#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployments.h"
#include "ecs/service_view.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::ServiceRecord;

namespace {

// ECS: "service names can have at most 10 items."
constexpr size_t kMaxDescribe = 10;
// ListServices answers 10 a page unless maxResults asks for up to 100.
constexpr size_t kListLimit = 100;
constexpr size_t kListDefault = 10;

state::Outcome answered(ecs::ServiceWritten written) {
  return {std::move(written.changes), json::object{{"service", std::move(written.service)}}};
}

state::Outcome create_service(const RequestContext& context, const ClusterState& state,
                              const Services& services) {
  return answered(ecs::create_service(ecs_context(context, state, services),
                                      {context.body, context.caller_arn}));
}

state::Outcome update_service(const RequestContext& context, const ClusterState& state,
                              const Services& services) {
  return answered(ecs::update_service(ecs_context(context, state, services), {context.body}));
}

state::Outcome delete_service(const RequestContext& context, const ClusterState& state,
                              const Services& services) {
  const json::object& body = context.body;
  ecs::DeleteService command{string_member(body, "cluster", "default"),
                             string_member(body, "service"), bool_member(body, "force", false)};
  return answered(ecs::delete_service(ecs_context(context, state, services), command));
}

json::object describe_services(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  const state::ClusterRecord& cluster = active_cluster(state, body);
  const std::string name = cluster.name();
  const json::array& requested = *array_member(body, "services");
  if (requested.empty()) throw core::invalid_parameter("Services cannot be empty.");
  if (requested.size() > kMaxDescribe) {
    throw core::invalid_parameter("service names can have at most 10 items.");
  }
  bool include_tags = false;
  if (auto* include = array_member(body, "include")) {
    for (const auto& i : *include) include_tags = include_tags || i.as_string() == "TAGS";
  }
  json::array found, failures;
  for (const auto& item : requested) {
    std::string identifier(item.as_string());
    if (const ServiceRecord* service = ecs::find_service(state, name, identifier)) {
      found.push_back(ecs::render_service(state, *service, include_tags));
      continue;
    }
    std::string arn = identifier.starts_with("arn:")
                          ? identifier
                          : core::service_arn(context.region, context.account_id, name, identifier);
    failures.push_back(json::object{{"arn", std::move(arn)}, {"reason", "MISSING"}});
  }
  return {{"services", std::move(found)}, {"failures", std::move(failures)}};
}

json::object list_services(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  const std::string cluster = active_cluster(state, body).name();
  PageRequest page = read_page_request(body, kListLimit, kListDefault);
  std::string launch_type = string_member(body, "launchType");
  std::string scheduling = string_member(body, "schedulingStrategy");
  std::string management = string_member(body, "resourceManagementType");
  std::vector<const ServiceRecord*> listed;
  for (const auto& [name, service] : state.services(cluster)) {
    const json::object& doc = service->doc;
    if (service->status() != "ACTIVE") continue;  // ECS lists neither DRAINING nor INACTIVE
    if (!launch_type.empty() && string_member(doc, "launchType") != launch_type) continue;
    if (!scheduling.empty() && string_member(doc, "schedulingStrategy") != scheduling) continue;
    if (!management.empty() &&
        string_member(doc, "resourceManagementType", "CUSTOMER") != management) {
      continue;
    }
    listed.push_back(service.get());
  }
  json::array arns;
  json::object response;
  paginate(
      page, listed, [](const ServiceRecord* s) { return s->name(); },
      [&](const ServiceRecord* s) { arns.push_back(json::string(s->arn())); }, response);
  response["serviceArns"] = std::move(arns);
  return response;
}

// The Service Connect namespace a service's PRIMARY deployment joined:
// the one it names, else its cluster's serviceConnectDefaults.
std::string service_namespace(const ServiceRecord& service, const state::ClusterRecord& cluster) {
  const json::object* primary = ecs::primary_deployment(service.doc);
  const json::object* connect =
      primary ? object_member(*primary, "serviceConnectConfiguration") : nullptr;
  if (!connect || !bool_member(*connect, "enabled", false)) return {};
  std::string named = string_member(*connect, "namespace");
  if (!named.empty()) return named;
  const json::object* defaults = object_member(cluster.doc, "serviceConnectDefaults");
  return defaults ? string_member(*defaults, "namespace") : std::string();
}

// gantry has no Cloud Map: a namespace is known by the services that name
// it (by name or ARN, as they named it), across clusters.
json::object list_services_by_namespace(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  const std::string wanted = string_member(body, "namespace");
  PageRequest page = read_page_request(body, kListLimit, kListDefault);
  std::vector<const ServiceRecord*> listed;
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& [name, service] : state.services(cluster)) {
      if (service->status() == "ACTIVE" && service_namespace(*service, *record) == wanted) {
        listed.push_back(service.get());
      }
    }
  }
  json::array arns;
  json::object response;
  paginate(
      page, listed, [](const ServiceRecord* s) { return s->arn(); },
      [&](const ServiceRecord* s) { arns.push_back(json::string(s->arn())); }, response);
  response["serviceArns"] = std::move(arns);
  return response;
}

}  // namespace

void register_service_handlers(Router& router, Services services) {
  router.add("CreateService", write_handler(services, ServicesWriteFunction(create_service)));
  router.add("UpdateService", write_handler(services, ServicesWriteFunction(update_service)));
  router.add("DeleteService", write_handler(services, ServicesWriteFunction(delete_service)));
  router.add("DescribeServices", read_handler(services, describe_services));
  router.add("ListServices", read_handler(services, list_services));
  router.add("ListServicesByNamespace", read_handler(services, list_services_by_namespace));
}

}  // namespace gantry::api
