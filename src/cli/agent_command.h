#pragma once
// `gantry agent`: one node agent, registered with a control plane as a
// container instance. `gantry dev` runs the same agent in its own process.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent.h"
#include "cli/driver_options.h"

namespace gantry::cli {

struct AgentCommandOptions {
  std::string server;            // the control plane's URL
  std::string cluster = "default";
  bool create_cluster = false;  // `gantry dev`: make the cluster when missing
  std::string data_dir = "./gantry-agent";
  auth::SigningKey access_key;   // from the environment or a credentials file
  std::string region = "us-east-1";
  std::string capacity = "EC2";  // EC2, FARGATE or EC2+FARGATE
  std::vector<std::string> attributes;  // name=value
  std::string capacity_provider;        // the EC2 capacity provider it belongs to
  int64_t cpu_units = 0;                // 0: 1024 per core
  int64_t memory_mib = 0;               // 0: the machine's
  std::vector<std::string> gpu_ids;
  DriverOptions driver;
  // Hollow agents: this many simulated instances instead of one real agent.
  int simulate = 0;
  double simulate_task_seconds = 0;  // 0: simulated tasks run until stopped
};

// Throws std::runtime_error for options that make no sense.
std::unique_ptr<agent::Agent> make_agent(const AgentCommandOptions& options);

// Runs an agent until SIGINT or SIGTERM; its tasks keep running after it.
void run_agent(const AgentCommandOptions& options);

}  // namespace gantry::cli
