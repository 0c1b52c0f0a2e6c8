#include "cli/gpus_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/text_table.h"
#include "core/arn.h"
#include "core/json_members.h"

namespace gantry::cli {

namespace json = boost::json;
using core::string_member;

namespace {

std::string or_dash(std::string text) { return text.empty() ? "-" : text; }

}  // namespace

std::string gpus_table(const json::object& answer) {
  std::vector<std::vector<std::string>> rows{
      {"INSTANCE", "GPU", "HEALTH", "REASON", "TASK", "MESSAGE"}};
  if (const json::array* gpus = core::array_member(answer, "gpus")) {
    for (const auto& item : *gpus) {
      const json::object& gpu = item.as_object();
      rows.push_back({std::string(core::arn_last_segment(string_member(gpu, "containerInstanceArn"))),
                      string_member(gpu, "gpuId"), string_member(gpu, "healthStatus"),
                      or_dash(string_member(gpu, "reason")),
                      or_dash(std::string(core::arn_last_segment(string_member(gpu, "taskArn")))),
                      or_dash(string_member(gpu, "message"))});
    }
  }
  return text_table(rows);
}

CLI::App* add_gpus_command(CLI::App& app, GpusCommandOptions& options) {
  auto* command = app.add_subcommand("gpus", "The GPUs of a cluster's instances and their health");
  add_client_options(*command, options.client);
  command->fallthrough();  // its options also after a subcommand
  command->add_option("--cluster", options.cluster, "The cluster (name or ARN)")
      ->capture_default_str();
  auto* give_back = command->add_subcommand(
      "return", "Return GPUs to service: the agent forgets their faults and checks them again");
  give_back->add_option("--container-instance", options.container_instance,
                        "The instance (id or ARN)")
      ->required();
  give_back->add_option("--gpu", options.gpus, "A GPU UUID (repeatable; default: every unhealthy one)");
  return command;
}

int run_gpus(const CLI::App& command, const GpusCommandOptions& options) {
  return run_reporting_errors("gpus", [&]() -> int {
    core::SystemClock clock;
    agent::EcsClient client = ecs_client(options.client, clock);
    if (command.get_subcommand("return")->parsed()) {
      json::object request{{"cluster", options.cluster},
                           {"containerInstance", options.container_instance}};
      if (!options.gpus.empty()) {
        json::array ids;
        for (const auto& gpu : options.gpus) ids.emplace_back(gpu);
        request["gpuIds"] = std::move(ids);
      }
      json::object answer = client.call("ReturnGpusToService", request);
      for (const auto& gpu : *core::array_member(answer, "gpuIds")) {
        std::cout << "returning " << gpu.as_string().c_str() << " (request "
                  << string_member(answer, "requestId") << ")\n";
      }
      return 0;
    }
    std::cout << gpus_table(client.call("DescribeGpus", json::object{{"cluster", options.cluster}}))
              << std::flush;
    return 0;
  });
}

}  // namespace gantry::cli
