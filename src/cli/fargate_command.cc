#include "cli/fargate_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "agent/ecs_client.h"
#include "cli/text_table.h"
#include "core/arn.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/json_members.h"

namespace gantry::cli {

namespace json = boost::json;

namespace {

using Row = std::vector<std::string>;

int64_t integer_resource(const json::object& instance, std::string_view list,
                         std::string_view name) {
  const json::array* resources = core::array_member(instance, list);
  if (!resources) return 0;
  for (const auto& r : *resources) {
    const auto* resource = r.if_object();
    if (resource && core::string_member(*resource, "name") == name) {
      return core::int_member(*resource, "integerValue", 0);
    }
  }
  return 0;
}

std::string remaining_of(const json::object& host, std::string_view name) {
  return std::to_string(integer_resource(host, "remainingResources", name)) + " / " +
         std::to_string(integer_resource(host, "registeredResources", name));
}

std::string tasks_of(const json::object& host) {
  std::string out;
  if (const json::array* tasks = core::array_member(host, "tasks")) {
    for (const auto& t : *tasks) {
      const auto* task = t.if_object();
      if (!task) continue;
      if (!out.empty()) out += ", ";
      out += core::string_member(*task, "cluster") + ":" +
             std::to_string(core::int_member(*task, "runningTasksCount", 0));
    }
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string fargate_hosts_table(const json::object& answer) {
  std::vector<Row> rows;
  if (const json::array* hosts = core::array_member(answer, "fargateHosts")) {
    for (const auto& h : *hosts) {
      const auto* host = h.if_object();
      if (!host) continue;
      const auto* connected = host->if_contains("agentConnected");
      rows.push_back({std::string(core::arn_last_segment(
                          core::string_member(*host, "containerInstanceArn"))),
                      core::string_member(*host, "status"),
                      connected && connected->is_bool() && connected->get_bool() ? "yes" : "no",
                      remaining_of(*host, "CPU"), remaining_of(*host, "MEMORY"), tasks_of(*host)});
    }
  }
  std::sort(rows.begin(), rows.end());
  rows.insert(rows.begin(), Row{"HOST", "STATUS", "CONNECTED", "CPU", "MEMORY", "TASKS"});
  return text_table(rows);
}

CLI::App* add_fargate_command(CLI::App& app, FargateCommandOptions& options) {
  auto* command = app.add_subcommand("fargate", "The FARGATE pool that every cluster draws on");
  command->require_subcommand(1);
  auto* hosts = command->add_subcommand("hosts", "The hosts that serve FARGATE tasks");
  add_client_options(*hosts, options.client);
  auto* interrupt = command->add_subcommand(
      "interrupt", "Interrupt FARGATE_SPOT tasks as Spot reclaiming its capacity does");
  add_client_options(*interrupt, options.client);
  interrupt->add_option("--cluster", options.cluster, "The cluster (name or ARN)")
      ->capture_default_str();
  interrupt->add_option("--task", options.tasks, "A task id or ARN (repeatable; default: all)");
  return command;
}

int run_fargate(const CLI::App& command, const FargateCommandOptions& options) {
  return run_reporting_errors("fargate", [&]() -> int {
    core::SystemClock clock;
    agent::EcsClient client = ecs_client(options.client, clock);
    if (command.get_subcommand("hosts")->parsed()) {
      std::cout << fargate_hosts_table(client.call("DescribeFargateHosts", json::object{}))
                << std::flush;
      return 0;
    }
    json::object request{{"cluster", options.cluster}};
    if (!options.tasks.empty()) {
      json::array tasks;
      for (const auto& task : options.tasks) tasks.emplace_back(task);
      request["tasks"] = std::move(tasks);
    }
    json::object answer = client.call("InterruptSpotTasks", request);
    for (const auto& task : *core::array_member(answer, "tasks")) {
      std::cout << "interrupted " << core::string_member(task.as_object(), "taskArn") << "\n";
    }
    int status = 0;
    for (const auto& failure : *core::array_member(answer, "failures")) {
      const json::object& f = failure.as_object();
      std::cerr << core::string_member(f, "arn") << ": " << core::string_member(f, "reason")
                << "\n";
      status = 1;
    }
    return status;
  });
}

}  // namespace gantry::cli
