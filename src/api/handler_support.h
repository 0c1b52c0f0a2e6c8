#pragma once
// The two kinds of operation: reads answer at once from the published
// state; writes become mutations for the single writer and answer once
// durable. Handlers are written as plain functions of (request, state).
#include <memory>

#include "api/handlers.h"
#include "api/request_context.h"
#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/context.h"
#include "ecs/lookups.h"

namespace gantry::api {

using ReadFunction =
    std::function<boost::json::object(const RequestContext&, const state::ClusterState&)>;
using WriteFunction =
    std::function<state::Outcome(const RequestContext&, const state::ClusterState&)>;

inline OperationHandler read_handler(Services services, ReadFunction read) {
  return [services, read = std::move(read)](RequestContext& context, Reply reply) {
    state::Answer answer = services.state.read([&](const state::ClusterState& latest) {
      try {
        return state::Answer{read(context, latest)};
      } catch (const core::ApiError& error) {
        return state::Answer{error};
      }
    });
    reply(std::move(answer));
  };
}

inline OperationHandler write_handler(Services services, WriteFunction write) {
  return [services, write = std::move(write)](RequestContext& context, Reply reply) {
    auto shared = std::make_shared<const RequestContext>(std::move(context));
    services.state.submit(
        [write, shared](const state::ClusterState& latest) { return write(*shared, latest); },
        std::move(reply));
  };
}

// A write that needs the services too (ids, placement indexes: the
// commands' Context).
using ServicesWriteFunction = std::function<state::Outcome(
    const RequestContext&, const state::ClusterState&, const Services&)>;

inline OperationHandler write_handler(Services services, ServicesWriteFunction write) {
  return write_handler(services, [services, write = std::move(write)](
                                     const RequestContext& c, const state::ClusterState& s) {
    return write(c, s, services);
  });
}

// Members of a request body that the schema has already type-checked.
using core::array_member;
using core::bool_member;
using core::int_member;
using core::object_member;
using core::string_member;

// The request's `cluster` (a name or ARN; "default" when absent), which must
// exist and be ACTIVE.
inline const state::ClusterRecord& active_cluster(const state::ClusterState& state,
                                                  const boost::json::object& body) {
  return ecs::active_cluster(state, string_member(body, "cluster", "default"));
}

// What a write's command runs against: the draft it is given, for the
// request's account and region, at the request's time.
inline ecs::Context ecs_context(const RequestContext& context, const state::ClusterState& draft,
                                const Services& services) {
  return {draft, services.placement, services.ids, context.now, context.account_id,
          context.region};
}


}  // namespace gantry::api
