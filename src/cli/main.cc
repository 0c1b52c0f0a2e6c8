// gantry: runs Amazon ECS workloads on machines you own.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/control_plane.h"

namespace {

void add_control_plane_options(CLI::App& command, gantry::cli::ControlPlaneOptions& options) {
  command.add_option("--listen", options.listen, "HOST:PORT to serve the ECS API on")
      ->capture_default_str();
  command.add_option("--data-dir", options.data_dir, "Where the state and the credentials live")
      ->capture_default_str();
  command.add_option("--credentials-file", options.credentials_file,
                     "Access keys accepted (AWS credentials-file layout); default "
                     "<data-dir>/credentials, created with a random key when missing");
  command.add_option("--account-id", options.account_id, "The account id in every ARN")
      ->capture_default_str()
      ->check([](const std::string& v) {
        return v.size() == 12 && v.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("an account id is 12 digits");
      });
  command.add_option("--region", options.region, "The region printed for clients")
      ->capture_default_str();
  command.add_option("--threads", options.threads, "HTTP threads (0: one per core)")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gantry: run Amazon ECS workloads on machines you own"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();

  gantry::cli::ControlPlaneOptions options;
  auto* dev = app.add_subcommand("dev", "The control plane and a local agent in one process");
  add_control_plane_options(*dev, options);
  auto* server = app.add_subcommand("server", "The control plane alone");
  add_control_plane_options(*server, options);
  auto* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (version->parsed()) {
    std::cout << "gantry " << GANTRY_VERSION << std::endl;
    return 0;
  }
  try {
    gantry::cli::ControlPlane control_plane(options);
    control_plane.run(dev->parsed() ? "dev" : "server");
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    return 1;
  }
  return 0;
}
