#include "cli/agent_command.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <thread>

#include "agent/drivers/docker_driver.h"
#include "agent/drivers/process_driver.h"
#include "agent/simulation/hollow_fleet.h"
#include "core/clock.h"

namespace gantry::cli {

namespace {

const core::SystemClock& system_clock() {
  static const core::SystemClock clock;
  return clock;
}

agent::OfferOptions offer_of(const AgentCommandOptions& options) {
  agent::OfferOptions offer;
  if (options.capacity != "EC2" && options.capacity != "FARGATE" &&
      options.capacity != "EC2+FARGATE") {
    throw std::runtime_error("--capacity is EC2, FARGATE or EC2+FARGATE, not " + options.capacity);
  }
  offer.offers_ec2 = options.capacity.find("EC2") != std::string::npos;
  offer.offers_fargate = options.capacity.find("FARGATE") != std::string::npos;
  if (!options.capacity_provider.empty() && !offer.offers_ec2) {
    throw std::runtime_error("--capacity-provider names an EC2 capacity provider; it needs "
                             "--capacity EC2 or EC2+FARGATE");
  }
  offer.capacity_provider = options.capacity_provider;
  if (options.cpu_units > 0) offer.cpu_units = options.cpu_units;
  if (options.memory_mib > 0) offer.memory_mib = options.memory_mib;
  for (const auto& attribute : options.attributes) {
    auto equals = attribute.find('=');
    if (equals == 0) throw std::runtime_error("--attribute wants name=value, got " + attribute);
    if (equals == std::string::npos) {
      offer.attributes.emplace_back(attribute, "");
    } else {
      offer.attributes.emplace_back(attribute.substr(0, equals), attribute.substr(equals + 1));
    }
  }
  offer.gpu_ids = options.gpu_ids;
  return offer;
}

std::map<std::string, std::string> efs_directories(const std::vector<std::string>& volumes) {
  std::map<std::string, std::string> out;
  for (const auto& volume : volumes) {
    const auto equals = volume.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == volume.size()) {
      throw std::runtime_error("--efs-volume wants fs-id=/directory, got " + volume);
    }
    out[volume.substr(0, equals)] = volume.substr(equals + 1);
  }
  return out;
}

std::unique_ptr<agent::Driver> process_driver(boost::asio::any_io_executor executor,
                                              const std::filesystem::path& containers) {
  auto cgroups = agent::CgroupMemory::detect();
  spdlog::info("agent: process driver, memory limits {}",
               cgroups.usable() ? "through cgroup v" + std::to_string(cgroups.version())
                                : "off (" + cgroups.why_unusable() + ")");
  return std::make_unique<agent::ProcessDriver>(executor, containers, std::move(cgroups));
}

// Docker when asked, or on `auto` when an engine answers; processes otherwise.
agent::DriverFactory driver_factory(const DriverOptions& options,
                                    const std::filesystem::path& containers) {
  if (options.driver != "auto" && options.driver != "docker" && options.driver != "process") {
    throw std::runtime_error("--driver is auto, docker or process, not " + options.driver);
  }
  agent::DockerDriverOptions docker;
  if (options.docker_host.find("://") != std::string::npos &&
      !options.docker_host.starts_with("unix://")) {
    throw std::runtime_error("--docker-host must be a unix socket (unix:///path or /path), not " +
                             options.docker_host);
  }
  docker.socket_path = options.docker_host.starts_with("unix://")
                           ? options.docker_host.substr(std::string_view("unix://").size())
                           : options.docker_host;
  docker.efs_directories = efs_directories(options.efs_volumes);
  docker.registry_secrets_file = options.registry_secrets;
  docker.log_dir = containers;
  return [options, docker, containers](
             boost::asio::any_io_executor executor) -> std::unique_ptr<agent::Driver> {
    if (options.driver == "process") return process_driver(executor, containers);
    try {
      auto driver = std::make_unique<agent::DockerDriver>(executor, docker);
      spdlog::info("agent: docker driver, {} at {}", driver->engine_description(),
                   docker.socket_path);
      return driver;
    } catch (const std::exception& error) {
      if (options.driver == "docker") {
        throw std::runtime_error("no Docker engine at " + docker.socket_path + ": " + error.what());
      }
      spdlog::warn("agent: no Docker engine at {} ({}); running containers as plain processes",
                   docker.socket_path, error.what());
      return process_driver(executor, containers);
    }
  };
}

}  // namespace

std::unique_ptr<agent::Agent> make_agent(const AgentCommandOptions& options) {
  if (options.server.empty()) throw std::runtime_error("the agent needs --server URL");
  if (options.access_key.access_key_id.empty()) {
    throw std::runtime_error(
        "the agent needs an access key: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
        "pass --credentials-file");
  }
  agent::AgentOptions agent_options;
  agent_options.endpoint = {options.server, options.access_key, options.region};
  agent_options.cluster = options.cluster;
  agent_options.create_cluster = options.create_cluster;
  agent_options.state_dir = options.data_dir;
  agent_options.offer = offer_of(options);
  agent_options.metadata_port = options.driver.metadata_port;
  agent_options.nvml_library =
      options.driver.nvml_library == "none" ? "" : options.driver.nvml_library;
  agent_options.gpu_requests.diagnostic_command = options.driver.gpu_diagnostic_command;
  agent_options.gpu_requests.recovery_command = options.driver.gpu_recovery_command;
  agent_options.gpu_requests.command_timeout = std::chrono::milliseconds(
      std::max<int64_t>(1, std::llround(options.driver.gpu_command_timeout * 1000)));
  std::filesystem::path containers = std::filesystem::path(options.data_dir) / "containers";
  return std::make_unique<agent::Agent>(std::move(agent_options), system_clock(),
                                        driver_factory(options.driver, containers));
}

namespace {

void run_hollow_fleet(const AgentCommandOptions& options) {
  if (options.access_key.access_key_id.empty()) {
    throw std::runtime_error("hollow agents need an access key, as an agent does");
  }
  agent::HollowFleetOptions fleet_options;
  fleet_options.endpoint = {options.server, options.access_key, options.region};
  fleet_options.cluster = options.cluster;
  fleet_options.instances = options.simulate;
  fleet_options.offer = offer_of(options);
  fleet_options.task_duration = std::chrono::milliseconds(
      static_cast<int64_t>(options.simulate_task_seconds * 1000));
  agent::HollowFleet fleet(fleet_options, system_clock());
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&fleet](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: the hollow agents stop", signal);
    fleet.request_stop();
  });
  std::thread waiter([&io] { io.run(); });
  fleet.start();
  waiter.join();
}

}  // namespace

void run_agent(const AgentCommandOptions& options) {
  if (options.simulate > 0) return run_hollow_fleet(options);
  auto agent = make_agent(options);
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&agent](const boost::system::error_code&, int signal) {
    spdlog::info("signal {}: the agent stops; its tasks keep running", signal);
    agent->request_stop();
  });
  std::thread waiter([&io] { io.run(); });
  agent->start();
  waiter.join();
}

}  // namespace gantry::cli
