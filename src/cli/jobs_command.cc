#include "cli/jobs_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/text_table.h"
#include "core/json_members.h"

namespace gantry::cli {

namespace json = boost::json;
using core::int_member;
using core::string_member;

std::string jobs_table(const json::object& answer) {
  std::vector<std::vector<std::string>> rows{{"JOB", "STATUS", "ATTEMPT", "TASKS", "REASON"}};
  if (const json::array* jobs = core::array_member(answer, "jobs")) {
    for (const auto& item : *jobs) {
      const json::object& job = item.as_object();
      int running = 0;
      int all = 0;
      if (const json::array* tasks = core::array_member(job, "tasks")) {
        for (const auto& task : *tasks) {
          ++all;
          running += string_member(task.as_object(), "lastStatus") == "RUNNING";
        }
      }
      rows.push_back({string_member(job, "jobId"), string_member(job, "status"),
                      std::to_string(int_member(job, "attempt", 1)) + "/" +
                          std::to_string(int_member(job, "maxAttempts", 1)),
                      std::to_string(running) + "/" + std::to_string(all),
                      string_member(job, "statusReason")});
    }
  }
  return text_table(rows);
}

CLI::App* add_jobs_command(CLI::App& app, JobsCommandOptions& options) {
  auto* command = app.add_subcommand("jobs", "Multi-node jobs that recover from GPU faults");
  add_client_options(*command, options.client);
  command->fallthrough();  // its options also after a subcommand
  command->add_option("--cluster", options.cluster, "The cluster (name or ARN)")
      ->capture_default_str();
  command->add_option("--status", options.status,
                      "Only jobs in this state (RUNNING, STOPPING, DIAGNOSING, RECOVERING, "
                      "RESTARTING, SUCCEEDED, FAILED, STOPPED_BY_USER)");
  auto* describe = command->add_subcommand("describe", "One job whole, as DescribeJobs has it");
  describe->add_option("job", options.job, "The job's id or ARN")->required();
  auto* stop = command->add_subcommand("stop", "Stop a job: its tasks stop, nothing restarts it");
  stop->add_option("job", options.job, "The job's id or ARN")->required();
  stop->add_option("--reason", options.reason, "Why: the tasks' stoppedReason (255 characters)");
  return command;
}

int run_jobs(const CLI::App& command, const JobsCommandOptions& options) {
  return run_reporting_errors("jobs", [&]() -> int {
    core::SystemClock clock;
    agent::EcsClient client = ecs_client(options.client, clock);
    if (command.get_subcommand("stop")->parsed()) {
      json::object request{{"cluster", options.cluster}, {"job", options.job}};
      if (!options.reason.empty()) request["reason"] = options.reason;
      json::object answer = client.call("StopJob", request);
      std::cout << jobs_table(json::object{{"jobs", json::array{answer["job"]}}}) << std::flush;
      return 0;
    }
    if (command.get_subcommand("describe")->parsed()) {
      json::object answer = client.call(
          "DescribeJobs",
          json::object{{"cluster", options.cluster}, {"jobs", json::array{json::value(options.job)}}});
      const json::array* jobs = core::array_member(answer, "jobs");
      if (!jobs || jobs->empty()) {
        std::cerr << "gantry jobs: no job " << options.job << " in cluster " << options.cluster
                  << "\n";
        return 1;
      }
      std::cout << json::serialize(jobs->front()) << "\n";
      return 0;
    }
    json::array arns;
    json::object request{{"cluster", options.cluster}};
    if (!options.status.empty()) request["status"] = options.status;
    for (;;) {
      json::object page = client.call("ListJobs", request);
      for (const auto& arn : *core::array_member(page, "jobArns")) arns.push_back(arn);
      std::string next = string_member(page, "nextToken");
      if (next.empty()) break;
      request["nextToken"] = next;
    }
    json::array jobs;
    for (size_t at = 0; at < arns.size(); at += 100) {
      json::array chunk(arns.begin() + at, arns.begin() + std::min(arns.size(), at + 100));
      json::object answer = client.call(
          "DescribeJobs", json::object{{"cluster", options.cluster}, {"jobs", std::move(chunk)}});
      for (auto& job : *core::array_member(answer, "jobs")) jobs.push_back(std::move(job));
    }
    std::cout << jobs_table(json::object{{"jobs", std::move(jobs)}}) << std::flush;
    return 0;
  });
}

}  // namespace gantry::cli
