#include "cli/logs_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "agent/ecs_client.h"
#include "agent/logs/awslogs_options.h"
#include "agent/logs/docker_log_source.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json_members.h"

namespace gantry::cli {

namespace json = boost::json;
using core::string_member;

namespace {

constexpr auto kFollowInterval = std::chrono::milliseconds(500);
// After the task stops, the agent may still be shipping its last lines:
// follow on until the streams have been quiet this long.
constexpr auto kQuietAfterStop = std::chrono::seconds(2);

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Event {
  int64_t timestamp = 0;
  std::string stream;
  std::string message;
  std::string id;
};

class LogsReader {
 public:
  LogsReader(const LogsCommandOptions& options, const core::Clock& clock)
      : options_(options), clock_(clock) {}

  // The events of `location` from `start` on (inclusive), every page.
  std::vector<Event> read(const LogLocation& location, int64_t start) {
    std::vector<Event> events;
    json::array streams;
    for (const auto& s : location.streams) streams.emplace_back(s);
    std::string token;
    for (int page = 0; page < 100'000; ++page) {
      json::object request{
          {"logGroupName", location.group}, {"logStreamNames", streams}, {"startTime", start}};
      if (!options_.filter.empty()) request["filterPattern"] = options_.filter;
      if (!token.empty()) request["nextToken"] = token;
      json::object answer;
      try {
        answer = client(location.region).call("FilterLogEvents", request);
      } catch (const core::ApiError& e) {
        // No stream yet: the container has printed nothing, or not run.
        if (e.type() == "ResourceNotFoundException") return events;
        throw;
      }
      if (const auto* list = core::array_member(answer, "events")) {
        for (const auto& item : *list) {
          const auto* e = item.if_object();
          if (!e) continue;
          events.push_back(Event{core::int_member(*e, "timestamp", 0),
                                 string_member(*e, "logStreamName"), string_member(*e, "message"),
                                 string_member(*e, "eventId")});
        }
      }
      token = string_member(answer, "nextToken");
      if (token.empty()) break;
    }
    return events;
  }

  agent::EcsClient& client(const std::string& region) {
    auto& slot = clients_[region];
    if (!slot) {
      slot = std::make_unique<agent::EcsClient>(
          agent::EcsEndpoint{options_.client.endpoint,
                             client_signing_key(options_.client.credentials_file), region},
          clock_, agent::kLogsService);
    }
    return *slot;
  }

 private:
  const LogsCommandOptions& options_;
  const core::Clock& clock_;
  std::map<std::string, std::unique_ptr<agent::EcsClient>> clients_;
};

json::object describe_task(agent::EcsClient& ecs, const LogsCommandOptions& options) {
  auto answer = ecs.call("DescribeTasks", {{"cluster", options.cluster},
                                           {"tasks", json::array{json::value(options.task)}}});
  const auto* tasks = core::array_member(answer, "tasks");
  if (!tasks || tasks->empty() || !tasks->front().is_object()) {
    throw core::ApiError("ClientException", "The task " + options.task + " is not in cluster " +
                                                options.cluster + ".");
  }
  return tasks->front().get_object();
}

}  // namespace

std::optional<int64_t> since_ms(std::string_view since, int64_t now) {
  if (since.size() >= 2) {
    const char unit = since.back();
    const std::string number(since.substr(0, since.size() - 1));
    const std::map<char, int64_t> kUnitMs = {
        {'s', 1'000}, {'m', 60'000}, {'h', 3'600'000}, {'d', 86'400'000}, {'w', 604'800'000}};
    if (auto u = kUnitMs.find(unit);
        u != kUnitMs.end() && number.find_first_not_of("0123456789") == std::string::npos) {
      return now - std::stoll(number) * u->second;
    }
  }
  std::string iso(since);
  if (iso.size() == 19) iso += "Z";  // a time without a zone is UTC, as aws logs tail reads it
  if (auto nanos = agent::docker_timestamp_nanos(iso)) return *nanos / 1'000'000;
  return std::nullopt;
}

std::string tail_line(int64_t timestamp_ms, std::string_view stream, std::string_view message) {
  const std::time_t seconds = static_cast<std::time_t>(timestamp_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char time[40];
  std::strftime(time, sizeof time, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = time;
  if (const int64_t millis = timestamp_ms % 1000; millis != 0) {
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%03lld000", static_cast<long long>(millis));
    line += fraction;
  }
  line += "+00:00 ";
  line += stream;
  line += ' ';
  if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  line += message;
  return line;
}

std::vector<LogLocation> log_locations(const json::object& task,
                                       const json::object& task_definition,
                                       std::string_view container, std::string_view own_region) {
  const std::string task_id(core::arn_last_segment(string_member(task, "taskArn")));
  std::map<std::pair<std::string, std::string>, LogLocation> by_group;
  bool found = false;
  if (const auto* definitions = core::array_member(task_definition, "containerDefinitions")) {
    for (const auto& item : *definitions) {
      const auto* definition = item.if_object();
      if (!definition) continue;
      const std::string name = string_member(*definition, "name");
      if (!container.empty() && name != container) continue;
      found = true;
      const auto options = agent::awslogs_options_of(*definition);
      if (!options) continue;
      std::string runtime_id;
      if (const auto* containers = core::array_member(task, "containers")) {
        for (const auto& c : *containers) {
          if (c.is_object() && string_member(c.get_object(), "name") == name) {
            runtime_id = string_member(c.get_object(), "runtimeId");
          }
        }
      }
      const std::string stream = agent::awslogs_stream_name(*options, name, task_id, runtime_id);
      if (stream.empty()) continue;  // no prefix, and it never ran
      const std::string region =
          options->region.empty() ? std::string(own_region) : options->region;
      auto& location = by_group[{options->group, region}];
      location.group = options->group;
      location.region = region;
      location.streams.push_back(stream);
    }
  }
  if (!container.empty() && !found) {
    throw core::ApiError("ClientException",
                         "The task has no container named " + std::string(container) + ".");
  }
  std::vector<LogLocation> out;
  for (auto& [key, location] : by_group) out.push_back(std::move(location));
  return out;
}

CLI::App* add_logs_command(CLI::App& app, LogsCommandOptions& options) {
  auto* command = app.add_subcommand(
      "logs", "Print a task's output from CloudWatch Logs (its containers that use awslogs)");
  add_client_options(*command, options.client);
  command->add_option("task", options.task, "The task (id or ARN)")->required();
  command->add_option("--cluster", options.cluster, "The task's cluster (name or ARN)")
      ->capture_default_str();
  command->add_option("--container", options.container, "Only this container's output");
  command->add_flag("-f,--follow", options.follow,
                    "Print new lines as they come, until the task stops");
  command->add_option("--since", options.since,
                      "From this long ago (10m, 2h, 1d, ...) or this time (ISO 8601, UTC); "
                      "default: since the task was created");
  command->add_option("--filter", options.filter, "Only the events that match this filter pattern");
  return command;
}

int run_logs(const LogsCommandOptions& options) {
  return run_reporting_errors("logs", [&]() -> int {
    core::SystemClock clock;
    agent::EcsClient ecs(
        {options.client.endpoint, client_signing_key(options.client.credentials_file),
         options.client.region},
        clock);
    json::object task = describe_task(ecs, options);
    const auto definition = ecs.call(
        "DescribeTaskDefinition", {{"taskDefinition", string_member(task, "taskDefinitionArn")}});
    const auto* task_definition = core::object_member(definition, "taskDefinition");
    if (!task_definition) throw std::runtime_error("DescribeTaskDefinition answered no definition");

    int64_t start = 0;
    if (!options.since.empty()) {
      auto given = since_ms(options.since, now_ms());
      if (!given) {
        throw core::ApiError("InvalidParameterException",
                             "--since takes a duration such as 10m, 2h or 1d, or an ISO 8601 "
                             "time such as 2026-12-04T05:00:00Z; not " +
                                 options.since + ".");
      }
      start = *given;
    } else if (const auto* created = task.if_contains("createdAt");
               created && created->is_number()) {
      start = static_cast<int64_t>(created->to_number<double>() * 1000) - 1000;
    }

    LogsReader reader(options, clock);
    std::set<std::pair<int64_t, std::string>> printed;  // (time, id) of those at or after `start`
    auto locations =
        log_locations(task, *task_definition, options.container, options.client.region);
    if (locations.empty() && !options.follow) {
      std::cerr << "gantry logs: no container of the task uses the awslogs log driver\n";
      return 1;
    }
    auto quiet_since = std::chrono::steady_clock::now();
    bool stopped = false;
    while (true) {
      std::vector<Event> events;
      for (const auto& location : locations) {
        auto more = reader.read(location, start);
        events.insert(events.end(), std::make_move_iterator(more.begin()),
                      std::make_move_iterator(more.end()));
      }
      std::stable_sort(events.begin(), events.end(),
                       [](const Event& a, const Event& b) { return a.timestamp < b.timestamp; });
      bool any = false;
      for (const auto& e : events) {
        if (!printed.emplace(e.timestamp, e.id).second) continue;
        std::cout << tail_line(e.timestamp, e.stream, e.message) << '\n';
        any = true;
      }
      std::cout << std::flush;
      if (!events.empty()) {
        start = events.back().timestamp;  // the same millisecond may get more
        printed.erase(printed.begin(), printed.lower_bound({start, ""}));
      }
      const auto now = std::chrono::steady_clock::now();
      if (any) quiet_since = now;
      if (!options.follow) return 0;
      if (stopped && now - quiet_since >= kQuietAfterStop) return 0;
      std::this_thread::sleep_for(kFollowInterval);
      if (!stopped) {
        task = describe_task(ecs, options);
        stopped = string_member(task, "lastStatus") == "STOPPED";
        // A stream named by the runtime id is known once the container runs.
        locations = log_locations(task, *task_definition, options.container, options.client.region);
      }
    }
  });
}

}  // namespace gantry::cli
