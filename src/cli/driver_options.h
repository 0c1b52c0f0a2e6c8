#pragma once
// How an agent runs containers and what it offers them: `gantry agent` and
// `gantry dev` take the same flags.
#include <cstdint>
#include <string>
#include <vector>

namespace gantry::cli {

struct DriverOptions {
  // auto: Docker where an engine answers at docker_host, else processes.
  std::string driver = "auto";  // auto | docker | process
  std::string docker_host = "unix:///var/run/docker.sock";
  std::vector<std::string> efs_volumes;  // "fs-12345678=/mnt/efs/fs-12345678"
  std::string registry_secrets;          // file of repositoryCredentials
  uint16_t metadata_port = 51679;        // the task metadata endpoint's; 0: any free one
  // NVML, which finds the GPUs and watches their health; "none": no GPUs.
  std::string nvml_library = "libnvidia-ml.so.1";
  // The control plane's GPU requests: the operator's diagnostic (empty: a
  // fresh NVML check) and recovery (empty: none; an operator returns the
  // GPU), each run with /bin/sh -c and killed after gpu_command_timeout.
  std::string gpu_diagnostic_command;
  std::string gpu_recovery_command;
  double gpu_command_timeout = 600;  // seconds
};

}  // namespace gantry::cli
