#pragma once
// Wires the control plane together: the store, the single writer, the ECS
// API behind SigV4, and the HTTP server. `gantry dev` and `gantry server`
// both run one.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/driver_options.h"

namespace gantry::cli {

struct ControlPlaneOptions {
  std::string listen = "127.0.0.1:8246";
  std::string data_dir = "./gantry-data";
  std::string credentials_file;  // default: <data_dir>/credentials
  std::string account_id = "123456789012";
  std::string region = "us-east-1";  // printed for clients; ARNs use the request's
  size_t max_body_bytes = 1 << 20;
  unsigned threads = 0;  // 0: one per core
  // How long an agent channel may stay silent before it counts as lost.
  std::chrono::seconds agent_idle_timeout{10};
  DriverOptions driver;  // the local agent's (`gantry dev`)
  // The cluster the local agent joins with its EC2 capacity, made when
  // missing; its FARGATE capacity serves every cluster.
  std::string dev_cluster = "default";
  // What one CloudWatch Logs group may hold, in bytes of messages; its
  // oldest events go first above it. 0: no cap.
  int64_t log_group_max_bytes = 0;
  // Webhooks (http://host:port/path) every GPU job's state change is POSTed to.
  std::vector<std::string> notify_urls;
  // A task definition a job's GPU diagnostic runs as, on the instance with
  // the GPUs in question; empty: the agent diagnoses.
  std::string gpu_diagnostic_task_definition;
};

class ControlPlane {
 public:
  explicit ControlPlane(ControlPlaneOptions options);
  ~ControlPlane();

  // Serves until SIGINT or SIGTERM, with a local agent when asked
  // (`gantry dev`).
  void run(const std::string& role, bool with_agent);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::cli
