#pragma once
// `gantry gpus`: every GPU of a cluster's instances with its health, and an
// operator's return of GPUs to service.
//   gantry gpus [--cluster C]
//   gantry gpus return --container-instance ID [--gpu UUID ...] [--cluster C]
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "cli/client_options.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct GpusCommandOptions {
  ClientOptions client;
  std::string cluster = "default";
  std::string container_instance;  // return's
  std::vector<std::string> gpus;   // return's; empty: every unhealthy one
};

CLI::App* add_gpus_command(CLI::App& app, GpusCommandOptions& options);
int run_gpus(const CLI::App& command, const GpusCommandOptions& options);

// The table for a DescribeGpus answer: INSTANCE (its id), GPU, HEALTH,
// REASON, TASK (the id of the task holding it) and MESSAGE.
std::string gpus_table(const boost::json::object& answer);

}  // namespace gantry::cli
