#pragma once
// `gantry stats`: the live CPU and memory of a cluster's running tasks,
// as `docker stats` shows a machine's containers, from the control plane's
// DescribeTaskStats (which the agents feed over their channels).
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "cli/client_options.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct StatsCommandOptions {
  ClientOptions client;
  std::string cluster = "default";
  unsigned watch_seconds = 0;  // 0: print once
};

// Adds the `stats` subcommand and its options to `app`; the subcommand's
// parsed() says whether it was chosen.
CLI::App* add_stats_command(CLI::App& app, StatsCommandOptions& options);

// Prints the table once, or redraws it every watch_seconds until
// interrupted. Returns the exit status; errors are printed to stderr.
int run_stats(const StatsCommandOptions& options);

// The table for a DescribeTaskStats answer: TASK (the task's id),
// CONTAINER, CPU %, MEM USAGE / LIMIT, MEM %, sorted by task and container.
std::string stats_table(const boost::json::object& answer);

// Bytes as `docker stats` writes them: binary units, four significant
// digits ("1.465MiB", "7.632GiB", "512B").
std::string human_bytes(int64_t bytes);

}  // namespace gantry::cli
