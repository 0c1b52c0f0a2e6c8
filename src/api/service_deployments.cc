// ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions: views of a service's deployments; and
// StopServiceDeployment.
#include <algorithm>
#include <cstdio>
#include <set>

#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployment_view.h"
#include "ecs/service_view.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::ServiceRecord;

namespace {

// ECS's limits: 20 ARNs a describe; ListServiceDeployments pages 20 by
// default, at most 100.
constexpr size_t kMaxDescribe = 20;
constexpr size_t kListLimit = 100;
constexpr size_t kListDefault = 20;

// A deployment or revision ARN: <type>/<cluster>/<service>/<number>.
struct DeploymentRef {
  std::string cluster, service, number;
};

std::optional<DeploymentRef> parse_ref(std::string_view identifier, std::string_view type) {
  auto arn = core::parse_arn(identifier);
  if (!arn || arn->resource_type != type) return std::nullopt;
  std::string_view rest = arn->resource_id;
  auto first = rest.find('/'), last = rest.rfind('/');
  if (first == std::string_view::npos || first == last) return std::nullopt;
  return DeploymentRef{std::string(rest.substr(0, first)),
                       std::string(rest.substr(first + 1, last - first - 1)),
                       std::string(rest.substr(last + 1))};
}

template <class Find, class Render>
json::object describe(const ClusterState& state, const json::array& requested,
                      std::string_view type, std::string_view answers, Find find, Render render) {
  if (requested.empty() || requested.size() > kMaxDescribe) {
    throw core::invalid_parameter("Between 1 and 20 ARNs can be described a request, got " +
                                  std::to_string(requested.size()) + ".");
  }
  json::array found, failures;
  for (const auto& item : requested) {
    std::string identifier(item.as_string());
    auto ref = parse_ref(identifier, type);
    const ServiceRecord* service = ref ? state.service(ref->cluster, ref->service) : nullptr;
    auto deployment = service ? find(*service, ref->number) : std::nullopt;
    if (!deployment) {
      failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      continue;
    }
    found.push_back(render(*service, *deployment));
  }
  return {{answers, std::move(found)}, {"failures", std::move(failures)}};
}

json::object describe_service_deployments(const RequestContext& context,
                                          const ClusterState& state) {
  return describe(state, *array_member(context.body, "serviceDeploymentArns"), "service-deployment",
                  "serviceDeployments", ecs::find_service_deployment,
                  [&](const ServiceRecord& s, const ecs::ServiceDeploymentEntry& d) {
                    return ecs::render_service_deployment(state, s, d);
                  });
}

json::object describe_service_revisions(const RequestContext& context, const ClusterState& state) {
  return describe(
      state, *array_member(context.body, "serviceRevisionArns"), "service-revision",
      "serviceRevisions",
      [](const ServiceRecord& s, std::string_view number) -> std::optional<const json::object*> {
        const json::object* d = ecs::find_deployment(s, number);
        return d ? std::optional(d) : std::nullopt;
      },
      [&](const ServiceRecord& s, const json::object* d) {
        return ecs::render_service_revision(state, s, *d);
      });
}

bool in_window(const json::object& deployment, const json::object* created_at) {
  if (!created_at) return true;
  double created = deployment.at("createdAt").to_number<double>();
  auto* before = created_at->if_contains("before");
  auto* after = created_at->if_contains("after");
  if (before && before->is_number() && created >= before->to_number<double>()) return false;
  if (after && after->is_number() && created <= after->to_number<double>()) return false;
  return true;
}

// A deployment's place in the list (and its page token): its creation
// time in zero-padded milliseconds, then its id.
std::string order_key(const json::object& deployment) {
  char millis[24];
  std::snprintf(millis, sizeof millis, "%015lld",
                static_cast<long long>(deployment.at("createdAt").to_number<double>() * 1000));
  return millis + string_member(deployment, "id");
}

// Newest first, as ECS lists them.
json::object list_service_deployments(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  const std::string cluster = active_cluster(state, body).name();
  const ServiceRecord* service = ecs::find_service(state, cluster, string_member(body, "service"));
  if (!service) throw core::service_not_found();
  PageRequest page = read_page_request(body, kListLimit, kListDefault);
  std::set<std::string, std::less<>> statuses;
  if (auto* wanted = array_member(body, "status")) {
    for (const auto& s : *wanted) statuses.emplace(s.as_string());
  }
  const json::object* created_at = object_member(body, "createdAt");
  std::vector<ecs::ServiceDeploymentEntry> listed;
  for (const auto& entry : ecs::service_deployments(*service)) {
    if (!statuses.empty() && !statuses.contains(ecs::service_deployment_status(*service, entry))) {
      continue;
    }
    if (in_window(*entry.deployment, created_at)) listed.push_back(entry);
  }
  auto key = [](const ecs::ServiceDeploymentEntry& e) { return order_key(*e.deployment); };
  std::sort(listed.begin(), listed.end(),
            [&](const auto& a, const auto& b) { return key(a) > key(b); });
  json::array briefs;
  json::object response;
  paginate(
      page, listed, key,
      [&](const ecs::ServiceDeploymentEntry& d) {
        briefs.push_back(ecs::render_service_deployment_brief(*service, d));
      },
      response, true);
  response["serviceDeployments"] = std::move(briefs);
  return response;
}

state::Outcome stop_service_deployment(const RequestContext& context, const ClusterState& state,
                                       const Services& services) {
  const std::string arn = string_member(context.body, "serviceDeploymentArn");
  auto ref = parse_ref(arn, "service-deployment");
  if (!ref) {
    throw core::invalid_parameter("serviceDeploymentArn is not a service deployment ARN: " + arn);
  }
  ecs::StopServiceDeployment command{ref->cluster, ref->service, ref->number,
                                     string_member(context.body, "stopType", "ROLLBACK")};
  ecs::ServiceWritten written =
      ecs::stop_service_deployment(ecs_context(context, state, services), command);
  const ServiceRecord* service = state.service(ref->cluster, ref->service);
  auto names = core::parse_arn(service->arn());
  return {std::move(written.changes),
          json::object{{"serviceDeploymentArn",
                        core::service_deployment_arn(names->region, names->account_id, ref->cluster,
                                                     ref->service, ref->number)}}};
}

}  // namespace

void register_service_deployment_handlers(Router& router, Services services) {
  router.add("ListServiceDeployments", read_handler(services, list_service_deployments));
  router.add("DescribeServiceDeployments", read_handler(services, describe_service_deployments));
  router.add("DescribeServiceRevisions", read_handler(services, describe_service_revisions));
  router.add("StopServiceDeployment",
             write_handler(services, ServicesWriteFunction(stop_service_deployment)));
}

}  // namespace gantry::api
