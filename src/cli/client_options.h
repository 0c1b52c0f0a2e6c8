#pragma once
// What gantry's client commands (`stats`, `events`, `fargate`, `jobs`, `gpus`) share: the
// options that name the control plane, the key that signs their requests,
// and how they report a failure.
#include <functional>
#include <string>
#include <string_view>

#include "agent/ecs_client.h"
#include "auth/sigv4.h"
#include "core/clock.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct ClientOptions {
  std::string endpoint = "http://127.0.0.1:8246";
  std::string credentials_file;  // empty: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
  std::string region = "us-east-1";
};

// Adds --endpoint, --credentials-file and --region to `command`.
void add_client_options(CLI::App& command, ClientOptions& options);

// The first profile of the credentials file, else the environment's key.
// Throws std::runtime_error when neither gives one.
auth::SigningKey client_signing_key(const std::string& credentials_file);

// A client of the control plane's ECS endpoint, signed with that key.
agent::EcsClient ecs_client(const ClientOptions& options, const core::Clock& clock);

// body()'s exit status; an error it throws is printed as
// "gantry <command>: <type>: <message>" and exits 1.
int run_reporting_errors(std::string_view command, const std::function<int()>& body);

}  // namespace gantry::cli
