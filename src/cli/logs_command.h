#pragma once
// `gantry logs TASK`: a task's output from CloudWatch Logs, where the agent
// ships the containers that use the awslogs log driver, printed as
// `aws logs tail` prints it (version 1 of the aws cli has no `tail`):
//   <time, ISO 8601 in UTC> <stream> <message>
// With --follow it prints new lines as they arrive until the task stops.
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client_options.h"

namespace CLI {
class App;
}

namespace gantry::cli {

struct LogsCommandOptions {
  ClientOptions client;
  std::string task;  // id or ARN
  std::string cluster = "default";
  std::string container;  // empty: every container that uses awslogs
  bool follow = false;
  std::string since;   // "10m", "2h", ... or an ISO 8601 time; empty: since the task was created
  std::string filter;  // a filter pattern
};

CLI::App* add_logs_command(CLI::App& app, LogsCommandOptions& options);
int run_logs(const LogsCommandOptions& options);

// The start time --since names, in ms since the epoch: "<n>s|m|h|d|w"
// before `now_ms`, or an ISO 8601 UTC time ("2026-12-04T05:00:00Z").
// nullopt when it is neither.
std::optional<int64_t> since_ms(std::string_view since, int64_t now_ms);

// One line as `aws logs tail` prints an event: the time (microseconds only
// when there are some, as Python's isoformat()), the stream, the message
// (without a trailing newline).
std::string tail_line(int64_t timestamp_ms, std::string_view stream, std::string_view message);

// Where a task's containers' output is: a group (and its region) and the
// streams in it, from the task and its definition. `container` empty: all.
struct LogLocation {
  std::string group;
  std::string region;
  std::vector<std::string> streams;
};
std::vector<LogLocation> log_locations(const boost::json::object& task,
                                       const boost::json::object& task_definition,
                                       std::string_view container, std::string_view own_region);

}  // namespace gantry::cli
