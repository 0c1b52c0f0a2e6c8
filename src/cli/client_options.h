#pragma once
// What gantry's client commands (`stats`, `events`) share: the options that
// name the control plane and the key that signs their requests.
#include <string>

#include "auth/sigv4.h"

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

}  // namespace gantry::cli
