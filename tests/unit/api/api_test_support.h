#pragma once
// For the in-process API tests: requests signed as botocore signs them,
// answers waited for, and a credentials file of their own.
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>

#include "api/api_server.h"
#include "api/handlers.h"
#include "ecs/placement_indexes.h"
#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "core/clock.h"
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

// Hands `request` to the server and waits for its answer.
inline net::HttpResponse answer_of(ApiServer &server, net::HttpRequest request) {
  std::promise<net::HttpResponse> answered;
  server.handle(std::move(request),
                [&](net::HttpResponse response) { answered.set_value(std::move(response)); });
  return answered.get_future().get();
}

}  // namespace gantry::api::test_support
