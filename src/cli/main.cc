// gantry: runs Amazon ECS workloads on machines you own.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "auth/credentials.h"
#include "cli/agent_command.h"
#include "cli/control_plane.h"
#include "cli/events_command.h"
#include "cli/fargate_command.h"
#include "cli/gpus_command.h"
#include "cli/jobs_command.h"
#include "cli/logs_command.h"
#include "cli/stats_command.h"

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
  command.add_option("--agent-idle-timeout", options.agent_idle_timeout,
                     "Seconds an agent channel may stay silent before the agent counts as "
                     "disconnected")
      ->capture_default_str();
  command.add_option("--log-group-max-bytes", options.log_group_max_bytes,
                     "Bytes of messages one CloudWatch Logs group may hold; its oldest events "
                     "are dropped first above it (0: no cap)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command.add_option("--notify-url", options.notify_urls,
                     "POST every GPU job's state change to URL (repeatable)")
      ->type_name("URL");
  command
      .add_option("--gpu-diagnostic-task-definition", options.gpu_diagnostic_task_definition,
                  "Run a GPU job's diagnostic as a task of this definition (family[:revision] "
                  "or ARN) on the instance, with the GPUs it checks; exit 0 means healthy "
                  "(default: the agent's --gpu-diagnostic-command, else an NVML check)")
      ->type_name("TASKDEF");
}

void add_driver_options(CLI::App& command, gantry::cli::DriverOptions& options) {
  command.add_option("--driver", options.driver,
                     "How containers run: docker, process, or auto (Docker where an engine "
                     "answers, else plain processes)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "docker", "process"}));
  command.add_option("--docker-host", options.docker_host, "The Docker engine's socket")
      ->capture_default_str();
  command.add_option("--efs-volume", options.efs_volumes,
                     "Where an EFS file system is mounted here, fs-id=/dir (repeatable)");
  command.add_option("--registry-secrets", options.registry_secrets,
                     "JSON file of registry credentials that repositoryCredentials name");
  command.add_option("--metadata-port", options.metadata_port,
                     "The task metadata endpoint's port (0: any free port)")
      ->capture_default_str();
  command.add_option("--nvml-library", options.nvml_library,
                     "The NVML library that finds the GPUs and watches their health (none: "
                     "no GPUs; --gpu-ids names GPUs without it)")
      ->capture_default_str();
  command.add_option("--gpu-diagnostic-command", options.gpu_diagnostic_command,
                     "Shell command that diagnoses GPUs when the control plane asks (exit 0: "
                     "healthy), with GANTRY_GPU_UUIDS, NVIDIA_VISIBLE_DEVICES and "
                     "GANTRY_GPU_PCI_BUS_IDS naming them; default: a fresh NVML check");
  command.add_option("--gpu-recovery-command", options.gpu_recovery_command,
                     "Shell command that recovers GPUs (a GPU reset) when the control plane "
                     "asks, with the same environment; exit 0 clears their faults. Without it "
                     "an unhealthy GPU stays out of service until an operator returns it");
  command.add_option("--gpu-command-timeout", options.gpu_command_timeout,
                     "Seconds a GPU diagnostic or recovery command may run before its process "
                     "group is killed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

void add_agent_options(CLI::App& command, gantry::cli::AgentCommandOptions& options,
                       std::string& credentials_file) {
  command.add_option("--server", options.server, "The control plane's URL, e.g. http://10.0.0.5:8246")
      ->required();
  command.add_option("--cluster", options.cluster, "The cluster to join")->capture_default_str();
  command.add_option("--data-dir", options.data_dir, "Where the agent keeps its state and logs")
      ->capture_default_str();
  command.add_option("--credentials-file", credentials_file,
                     "An AWS credentials file whose first profile is the agent's key; default: "
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  command.add_option("--region", options.region, "The region requests are signed for")
      ->capture_default_str();
  command.add_option("--capacity", options.capacity, "EC2, FARGATE or EC2+FARGATE")
      ->capture_default_str();
  command.add_option("--attribute", options.attributes, "A custom attribute, name=value (repeatable)");
  command.add_option("--capacity-provider", options.capacity_provider,
                     "The EC2 capacity provider (CreateCapacityProvider) this instance belongs "
                     "to; shown as its capacityProviderName");
  command.add_option("--cpu", options.cpu_units, "CPU units to offer (default: 1024 per core)");
  command.add_option("--memory", options.memory_mib, "MiB to offer (default: the machine's)");
  command.add_option("--gpu-ids", options.gpu_ids, "GPU ids to offer")->delimiter(',');
  command.add_option("--simulate", options.simulate,
                     "Run this many hollow (simulated) container instances instead of one "
                     "agent: tasks are reported RUNNING without running anything")
      ->check(CLI::Range(0, 1'000'000));
  command.add_option("--simulate-task-seconds", options.simulate_task_seconds,
                     "How long a simulated task runs before it exits 0 (0: until stopped)")
      ->check(CLI::NonNegativeNumber);
}

gantry::auth::SigningKey agent_key(const std::string& credentials_file) {
  if (!credentials_file.empty()) {
    auto [id, secret] = gantry::auth::Credentials::load(credentials_file).first_key();
    return {id, secret};
  }
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  return {id ? id : "", secret ? secret : ""};
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
  add_driver_options(*dev, options.driver);
  dev->add_option("--cluster", options.dev_cluster,
                  "The cluster the local agent joins with its EC2 capacity (made when missing); "
                  "its FARGATE capacity serves every cluster")
      ->capture_default_str();
  auto* server = app.add_subcommand("server", "The control plane alone");
  add_control_plane_options(*server, options);
  gantry::cli::AgentCommandOptions agent_options;
  std::string agent_credentials;
  auto* agent = app.add_subcommand("agent", "A node agent that runs the tasks a server gives it");
  add_agent_options(*agent, agent_options, agent_credentials);
  add_driver_options(*agent, agent_options.driver);
  gantry::cli::StatsCommandOptions stats_options;
  auto* stats = gantry::cli::add_stats_command(app, stats_options);
  gantry::cli::EventsCommandOptions events_options;
  auto* events = gantry::cli::add_events_command(app, events_options);
  gantry::cli::FargateCommandOptions fargate_options;
  auto* fargate = gantry::cli::add_fargate_command(app, fargate_options);
  gantry::cli::LogsCommandOptions logs_options;
  auto* logs = gantry::cli::add_logs_command(app, logs_options);
  gantry::cli::JobsCommandOptions jobs_options;
  auto* jobs = gantry::cli::add_jobs_command(app, jobs_options);
  gantry::cli::GpusCommandOptions gpus_options;
  auto* gpus = gantry::cli::add_gpus_command(app, gpus_options);
  auto* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (version->parsed()) {
    std::cout << "gantry " << GANTRY_VERSION << std::endl;
    return 0;
  }
  if (stats->parsed()) return gantry::cli::run_stats(stats_options);
  if (events->parsed()) return gantry::cli::run_events(events_options);
  if (fargate->parsed()) return gantry::cli::run_fargate(*fargate, fargate_options);
  if (logs->parsed()) return gantry::cli::run_logs(logs_options);
  if (jobs->parsed()) return gantry::cli::run_jobs(*jobs, jobs_options);
  if (gpus->parsed()) return gantry::cli::run_gpus(*gpus, gpus_options);
  try {
    if (agent->parsed()) {
      agent_options.access_key = agent_key(agent_credentials);
      gantry::cli::run_agent(agent_options);
      return 0;
    }
    gantry::cli::ControlPlane control_plane(options);
    control_plane.run(dev->parsed() ? "dev" : "server", dev->parsed());
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    return 1;
  }
  return 0;
}
