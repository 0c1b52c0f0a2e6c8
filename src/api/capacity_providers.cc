// CreateCapacityProvider, DescribeCapacityProviders, UpdateCapacityProvider,
// DeleteCapacityProvider.
#include "ecs/capacity_providers.h"

#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/capacity_provider_commands.h"
#include "ecs/launch_checks.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

// DescribeCapacityProviders: "Up to 100 capacity providers can be described
// in an action"; a page holds 1 to 10, 10 when maxResults is not given.
constexpr size_t kMaxDescribe = 100;
constexpr size_t kPageLimit = 10;

state::Outcome answered(ecs::CapacityProviderWritten written) {
  return {std::move(written.changes),
          json::object{{"capacityProvider", std::move(written.capacity_provider)}}};
}

state::Outcome create(const RequestContext& context, const ClusterState& state,
                      const Services& services) {
  return answered(
      ecs::create_capacity_provider(ecs_context(context, state, services), {context.body}));
}

state::Outcome update(const RequestContext& context, const ClusterState& state,
                      const Services& services) {
  return answered(
      ecs::update_capacity_provider(ecs_context(context, state, services), {context.body}));
}

state::Outcome delete_provider(const RequestContext& context, const ClusterState& state,
                               const Services& services) {
  return answered(ecs::delete_capacity_provider(ecs_context(context, state, services),
                                                {string_member(context.body, "capacityProvider")}));
}

// A provider's document by name: a built-in's, a created one's (INACTIVE
// ones too, as ECS keeps them describable), or none.
std::optional<json::object> find_document(const RequestContext& context, const ClusterState& state,
                                          const std::string& name) {
  if (ecs::is_builtin_capacity_provider(name)) {
    return ecs::builtin_capacity_provider(context.region, context.account_id, name);
  }
  if (const state::CapacityProviderRecord* record = state.capacity_provider(name)) {
    return record->doc;
  }
  return std::nullopt;
}

// Every ACTIVE provider, the built-ins first, keyed so that the page token
// keeps that order; only those associated with `cluster` when one is named.
std::vector<std::pair<std::string, json::object>> listing(const RequestContext& context,
                                                          const ClusterState& state) {
  const state::ClusterRecord* cluster = nullptr;
  if (context.body.contains("cluster")) cluster = &active_cluster(state, context.body);
  auto associated = [&](std::string_view name) {
    return !cluster || ecs::lists_string(cluster->doc.if_contains("capacityProviders"), name);
  };
  std::vector<std::pair<std::string, json::object>> out;
  for (std::string_view name : ecs::kBuiltinCapacityProviders) {
    if (associated(name)) {
      out.emplace_back("0/" + std::string(name),
                       ecs::builtin_capacity_provider(context.region, context.account_id, name));
    }
  }
  for (const auto& [name, record] : state.capacity_providers()) {
    if (record->status() == "ACTIVE" && associated(name))
      out.emplace_back("1/" + name, record->doc);
  }
  return out;
}

json::object describe(const RequestContext& context, const ClusterState& state) {
  bool with_tags = ecs::lists_string(context.body.if_contains("include"), "TAGS");
  json::array providers, failures;
  json::object response;
  const json::array* names = array_member(context.body, "capacityProviders");
  if (names && !names->empty()) {
    if (names->size() > kMaxDescribe) {
      throw core::invalid_parameter(
          "DescribeCapacityProviders accepts at most 100 capacity providers per request.");
    }
    for (const auto& identifier : *names) {
      std::string name = core::capacity_provider_name_from(identifier.as_string());
      if (auto doc = find_document(context, state, name)) {
        providers.push_back(ecs::capacity_provider_view(*doc, with_tags));
      } else {
        failures.push_back(json::object{
            {"arn", core::capacity_provider_arn(context.region, context.account_id, name)},
            {"reason", "MISSING"}});
      }
    }
  } else {
    PageRequest page = read_page_request(context.body, kPageLimit);
    paginate(
        page, listing(context, state), [](const auto& item) { return item.first; },
        [&](const auto& item) {
          providers.push_back(ecs::capacity_provider_view(item.second, with_tags));
        },
        response);
  }
  response["capacityProviders"] = std::move(providers);
  response["failures"] = std::move(failures);
  return response;
}

}  // namespace

void register_capacity_provider_handlers(Router& router, Services services) {
  router.add("CreateCapacityProvider", write_handler(services, ServicesWriteFunction(create)));
  router.add("DescribeCapacityProviders", read_handler(services, describe));
  router.add("UpdateCapacityProvider", write_handler(services, ServicesWriteFunction(update)));
  router.add("DeleteCapacityProvider",
             write_handler(services, ServicesWriteFunction(delete_provider)));
}

}  // namespace gantry::api
