#pragma once
// `gantry fargate`: the FARGATE pool, which no cluster lists as its own.
//   gantry fargate hosts                    the hosts, what they hold and run
//   gantry fargate interrupt --cluster C    a Spot interruption of C's
//                 [--task ID ...]           FARGATE_SPOT tasks (all, or those named)
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "cli/client_options.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct FargateCommandOptions {
  ClientOptions client;
  std::string cluster = "default";  // interrupt's
  std::vector<std::string> tasks;   // interrupt's; empty: every FARGATE_SPOT task
};

// Adds `fargate` with its `hosts` and `interrupt` subcommands to `app`; the
// returned command's parsed() says whether it was chosen.
CLI::App* add_fargate_command(CLI::App& app, FargateCommandOptions& options);

// Runs the chosen subcommand. Returns the exit status; errors go to stderr.
int run_fargate(const CLI::App& command, const FargateCommandOptions& options);

// The table for a DescribeFargateHosts answer: HOST (the instance id),
// STATUS, CONNECTED, CPU and MEMORY (remaining / registered), TASKS
// (running tasks by cluster).
std::string fargate_hosts_table(const boost::json::object& answer);

}  // namespace gantry::cli
