#pragma once
// The two kinds of operation: reads answer at once from the published
// state; writes become mutations for the single writer and answer once
// durable. Handlers are written as plain functions of (request, state).
#include <memory>

#include "api/arns.h"
#include "api/handlers.h"
#include "core/error.h"
#include "api/request_context.h"

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

// Members of a request body that the schema has already type-checked.
inline std::string string_member(const boost::json::object& body, std::string_view name,
                                 std::string_view fallback = {}) {
  auto* v = body.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
}

inline const boost::json::array* array_member(const boost::json::object& body,
                                              std::string_view name) {
  auto* v = body.if_contains(name);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

inline int64_t int_member(const boost::json::object& body, std::string_view name,
                          int64_t fallback) {
  auto* v = body.if_contains(name);
  return v && v->is_int64() ? v->get_int64() : fallback;
}

// The request's `cluster` (a name or ARN; "default" when absent), which must
// exist and be ACTIVE.
inline const state::ClusterRecord& active_cluster(const state::ClusterState& state,
                                                  const boost::json::object& body) {
  std::string name = cluster_name_from(string_member(body, "cluster", "default"));
  const state::ClusterRecord* cluster = state.cluster(name);
  if (!cluster || !cluster->active()) throw core::cluster_not_found();
  return *cluster;
}

inline bool bool_member(const boost::json::object& body, std::string_view name, bool fallback) {
  auto* v = body.if_contains(name);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

}  // namespace gantry::api
