#include "cli/client_options.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "auth/credentials.h"
#include "core/error.h"

namespace gantry::cli {

void add_client_options(CLI::App& command, ClientOptions& options) {
  command.add_option("--endpoint", options.endpoint, "The control plane's URL")
      ->capture_default_str();
  command.add_option("--credentials-file", options.credentials_file,
                     "An AWS credentials file whose first profile signs the requests; "
                     "default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  command.add_option("--region", options.region, "The region requests are signed for")
      ->capture_default_str();
}

auth::SigningKey client_signing_key(const std::string& credentials_file) {
  if (!credentials_file.empty()) {
    auto [id, secret] = auth::Credentials::load(credentials_file).first_key();
    return {id, secret};
  }
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret || !*id || !*secret) {
    throw std::runtime_error(
        "no credentials: pass --credentials-file or set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY");
  }
  return {id, secret};
}

int run_reporting_errors(std::string_view command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const core::ApiError& error) {
    std::cerr << "gantry " << command << ": " << error.type() << ": " << error.message()
              << std::endl;
  } catch (const std::exception& error) {
    std::cerr << "gantry " << command << ": " << error.what() << std::endl;
  }
  return 1;
}

agent::EcsClient ecs_client(const ClientOptions& options, const core::Clock& clock) {
  return agent::EcsClient(
      {options.endpoint, client_signing_key(options.credentials_file), options.region}, clock);
}

}  // namespace gantry::cli
