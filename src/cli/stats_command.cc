#include "cli/stats_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <tuple>
#include <vector>

#include "agent/ecs_client.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json_members.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

struct Row {
  std::string task, container, cpu, memory, memory_percent;
};

double number_at(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v && v->is_number() ? v->to_number<double>() : 0;
}

std::string percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", value);
  return text;
}


}  // namespace

std::string human_bytes(int64_t bytes) {
  static constexpr std::array<const char*, 7> kUnits = {"B",   "KiB", "MiB", "GiB",
                                                        "TiB", "PiB", "EiB"};
  double value = static_cast<double>(std::max<int64_t>(bytes, 0));
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.4g%s", value, kUnits[unit]);
  return text;
}

std::string stats_table(const json::object& answer) {
  std::vector<Row> rows;
  const json::value* stats = answer.if_contains("taskStats");
  if (stats && stats->is_array()) {
    for (const auto& t : stats->get_array()) {
      if (!t.is_object()) continue;
      const json::object& task = t.get_object();
      const json::value* containers = task.if_contains("containers");
      if (!containers || !containers->is_array()) continue;
      for (const auto& c : containers->get_array()) {
        if (!c.is_object()) continue;
        const json::object& container = c.get_object();
        double used = number_at(container, "memoryBytes");
        double limit = number_at(container, "memoryLimitBytes");
        rows.push_back({std::string(core::arn_last_segment(core::string_member(task, "taskArn"))),
                        core::string_member(container, "name"),
                        percent(number_at(container, "cpuPercent")),
                        human_bytes(static_cast<int64_t>(used)) + " / " +
                            (limit > 0 ? human_bytes(static_cast<int64_t>(limit)) : "--"),
                        limit > 0 ? percent(used / limit * 100) : "--"});
      }
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.task, a.container) < std::tie(b.task, b.container);
  });
  rows.insert(rows.begin(), Row{"TASK", "CONTAINER", "CPU %", "MEM USAGE / LIMIT", "MEM %"});

  std::array<size_t, 4> width{};  // the last column is not padded
  for (const auto& row : rows) {
    width[0] = std::max(width[0], row.task.size());
    width[1] = std::max(width[1], row.container.size());
    width[2] = std::max(width[2], row.cpu.size());
    width[3] = std::max(width[3], row.memory.size());
  }
  std::string out;
  auto cell = [&out](const std::string& text, size_t column_width) {
    out += text;
    out.append(column_width - text.size() + 3, ' ');
  };
  for (const auto& row : rows) {
    cell(row.task, width[0]);
    cell(row.container, width[1]);
    cell(row.cpu, width[2]);
    cell(row.memory, width[3]);
    out += row.memory_percent + "\n";
  }
  return out;
}

CLI::App* add_stats_command(CLI::App& app, StatsCommandOptions& options) {
  auto* command = app.add_subcommand("stats", "Live CPU and memory of a cluster's running tasks");
  add_client_options(*command, options.client);
  command->add_option("--cluster", options.cluster, "The cluster (name or ARN)")
      ->capture_default_str();
  command
      ->add_option("--watch", options.watch_seconds,
                   "Redraw every SECONDS until interrupted (Ctrl-C)")
      ->check(CLI::PositiveNumber);
  return command;
}

int run_stats(const StatsCommandOptions& options) {
  return run_reporting_errors("stats", [&]() -> int {
    core::SystemClock clock;
    agent::EcsClient client(
        {options.client.endpoint, client_signing_key(options.client.credentials_file),
         options.client.region},
        clock);
    json::object request{{"cluster", options.cluster}};
    while (true) {
      std::string table = stats_table(client.call("DescribeTaskStats", request));
      if (options.watch_seconds == 0) {
        std::cout << table << std::flush;
        return 0;
      }
      // Clear the screen and home the cursor, as `docker stats` redraws.
      std::cout << "\033[2J\033[H" << table << std::flush;
      std::this_thread::sleep_for(std::chrono::seconds(options.watch_seconds));
    }
  });
}

}  // namespace gantry::cli
