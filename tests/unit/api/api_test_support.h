#pragma once
// For the in-process API tests: requests signed as botocore signs them,
// answers waited for, and a credentials file of their own; and HandlerHarness,
// the real handlers behind a Router called with an operation and a body.
//
// All the wiring of the handlers (Services, the writer, the placement
// indexes) is here, so that a change of it is one edit of this file.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/api_server.h"
#include "api/handlers.h"
#include "api/request_context.h"
#include "api/router.h"
#include "ecs/placement_indexes.h"
#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "fakes/memory_store.h"
#include "state/control_state.h"

namespace gantry::api::test_support {

// `secret` replaces the real secret (to test a bad signature).
inline net::HttpRequest signed_request(const auth::Credentials &credentials,
                                       const core::Clock &clock, const std::string &operation,
                                       const std::string &body, const std::string &region,
                                       std::optional<std::string> secret = std::nullopt) {
  auth::HttpRequestView view{"POST",
                             "/",
                             {{"Host", "127.0.0.1:8246"},
                              {"Content-Type", "application/x-amz-json-1.1"},
                              {"X-Amz-Target", std::string(kTargetPrefix) + operation}},
                             body};
  auto [key_id, real_secret] = credentials.first_key();
  auth::sign_sigv4(view, auth::SigningKey{key_id, secret.value_or(real_secret)}, region, "ecs",
                   clock.now());
  net::HttpRequest request{boost::beast::http::verb::post, "/", 11};
  for (auto &[name, value] : view.headers) request.set(name, value);
  request.body() = body;
  return request;
}

// A path for a fresh credentials file in a new temporary directory.
inline std::string temp_credentials_path() {
  char dir[] = "/tmp/gantry-api-test-XXXXXX";
  return std::string(mkdtemp(dir)) + "/credentials";
}

// The state the handlers share, wired as the control plane wires it: a
// memory store, the writer with its placement indexes listening.
struct HandlerState {
  HandlerState() { state.set_draft_listener(&placement); }
  Services services(core::Random &ids, std::string agent_endpoint) {
    return Services{state, ids, placement, std::move(agent_endpoint)};
  }

  testing::MemoryStore store;
  ecs::PlacementIndexes placement;  // before the state: its writer calls it
  state::ControlState state{store};
};

// The real handlers of every ECS operation behind a Router, called as
// ApiServer calls them (a handler's throw is its answer too), without HTTP or
// SigV4. Bodies are not validated against botocore's model here: they are
// written as a client that passed that validation sends them.
class HandlerHarness {
 public:
  static constexpr const char *kRegion = "us-east-1";
  static constexpr const char *kAccount = "123456789012";

  HandlerHarness() : ids_(core::make_seeded_random(11)) {
    register_all_handlers(router_, handlers_.services(*ids_, "ws://127.0.0.1:8246/v1/agent"));
  }

  // The answer of `operation` to `body`, once the handler has given it.
  state::Answer call(const std::string &operation, boost::json::object body) {
    const Route *route = router_.find(operation);
    if (!route) return core::ApiError("UnknownOperationException", "no handler: " + operation);
    RequestContext context{.operation = operation,
                           .request_id = "request-" + std::to_string(++requests_),
                           .region = kRegion,
                           .account_id = kAccount,
                           .caller_arn = std::string("arn:aws:iam::") + kAccount + ":root",
                           .now = clock_.now(),
                           .body = std::move(body)};
    std::promise<state::Answer> answered;
    try {
      route->handler(context, [&](state::Answer answer) { answered.set_value(std::move(answer)); });
    } catch (const core::ApiError &error) {
      return error;
    }
    return answered.get_future().get();
  }

  // The answer of an operation expected to succeed; a failure is reported
  // (with the error) and answers an empty object.
  boost::json::object ok(const std::string &operation, boost::json::object body) {
    const std::string sent = boost::json::serialize(body);
    state::Answer answer = call(operation, std::move(body));
    if (auto *error = std::get_if<core::ApiError>(&answer)) {
      ADD_FAILURE() << operation << " " << sent << " -> " << error->type() << ": "
                    << error->message();
      return {};
    }
    return std::get<boost::json::object>(std::move(answer));
  }

  // The error of an operation expected to fail; a success is reported.
  core::ApiError error(const std::string &operation, boost::json::object body) {
    const std::string sent = boost::json::serialize(body);
    state::Answer answer = call(operation, std::move(body));
    if (auto *response = std::get_if<boost::json::object>(&answer)) {
      ADD_FAILURE() << operation << " " << sent
                    << " succeeded: " << boost::json::serialize(*response);
      return core::ApiError("", "");
    }
    return std::get<core::ApiError>(std::move(answer));
  }

  core::FakeClock &clock() { return clock_; }
  testing::MemoryStore &store() { return handlers_.store; }

 private:
  core::FakeClock clock_;
  std::unique_ptr<core::Random> ids_;
  HandlerState handlers_;
  Router router_;
  int requests_ = 0;
};

// Hands `request` to the server and waits for its answer.
inline net::HttpResponse answer_of(ApiServer &server, net::HttpRequest request) {
  std::promise<net::HttpResponse> answered;
  server.handle(std::move(request),
                [&](net::HttpResponse response) { answered.set_value(std::move(response)); });
  return answered.get_future().get();
}

}  // namespace gantry::api::test_support
