#pragma once
// How an agent runs containers: `gantry agent` and `gantry dev` take the
// same flags.
#include <string>
#include <vector>

namespace gantry::cli {

struct DriverOptions {
  // auto: Docker where an engine answers at docker_host, else processes.
  std::string driver = "auto";  // auto | docker | process
  std::string docker_host = "unix:///var/run/docker.sock";
  std::vector<std::string> efs_volumes;  // "fs-12345678=/mnt/efs/fs-12345678"
  std::string registry_secrets;          // file of repositoryCredentials
};

}  // namespace gantry::cli
