#include "agent/host_resources.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string_view>

#include "model/capacity_offer.h"

namespace gantry::agent {

namespace json = boost::json;

namespace {

// The ports the ECS agent reserves on every instance by default.
constexpr int kReservedPorts[] = {22, 2375, 2376, 51678, 51679};

// What the process driver honours, named as the ECS agent advertises it, so
// that task definitions needing them (requiresAttributes) can be placed.
constexpr std::string_view kCapabilities[] = {
    "com.amazonaws.ecs.capability.docker-remote-api.1.17",
    "com.amazonaws.ecs.capability.docker-remote-api.1.18",
    "com.amazonaws.ecs.capability.docker-remote-api.1.19",
    "com.amazonaws.ecs.capability.docker-remote-api.1.21",
    "com.amazonaws.ecs.capability.docker-remote-api.1.22",
    "com.amazonaws.ecs.capability.docker-remote-api.1.25",
    "com.amazonaws.ecs.capability.docker-remote-api.1.29",
    "com.amazonaws.ecs.capability.logging-driver.awslogs",
    "com.amazonaws.ecs.capability.logging-driver.json-file",
    "com.amazonaws.ecs.capability.logging-driver.none",
    "com.amazonaws.ecs.capability.task-iam-role",
    "com.amazonaws.ecs.capability.task-iam-role-network-host",
    "ecs.capability.container-health-check",
    "ecs.capability.container-ordering",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.task-eni",
};

int64_t machine_memory_mib() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemTotal:") return kib / 1024;
  }
  return 0;
}

std::string cpu_architecture() {
  utsname name{};
  uname(&name);
  std::string_view machine = name.machine;
  return machine == "aarch64" ? "arm64" : std::string(machine);
}

json::object integer_resource(std::string_view name, int64_t value) {
  return {{"name", name}, {"type", "INTEGER"}, {"integerValue", value}};
}

json::object string_set_resource(std::string_view name, json::array values) {
  return {{"name", name}, {"type", "STRINGSET"}, {"stringSetValue", std::move(values)}};
}

}  // namespace

json::object registration_request(const OfferOptions& options) {
  int64_t cores = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
  json::array ports;
  for (int port : kReservedPorts) ports.push_back(json::string(std::to_string(port)));
  json::array resources{integer_resource("CPU", options.cpu_units.value_or(cores * 1024)),
                        integer_resource("MEMORY", options.memory_mib.value_or(machine_memory_mib())),
                        string_set_resource("PORTS", std::move(ports)),
                        string_set_resource("PORTS_UDP", {})};
  if (!options.gpu_ids.empty()) {
    json::array gpus;
    for (const auto& id : options.gpu_ids) gpus.push_back(json::string(id));
    resources.push_back(string_set_resource("GPU", std::move(gpus)));
  }

  json::array attributes;
  auto add = [&](std::string_view name, std::string_view value) {
    json::object a{{"name", name}};
    if (!value.empty()) a["value"] = value;
    attributes.push_back(std::move(a));
  };
  for (auto capability : kCapabilities) add(capability, "");
  add("ecs.os-type", "linux");
  add("ecs.os-family", "LINUX");
  add("ecs.cpu-architecture", cpu_architecture());
  if (options.offers_ec2) add(model::kOffersEc2Attribute, "");
  if (options.offers_fargate) add(model::kOffersFargateAttribute, "");
  if (!options.capacity_provider.empty()) {
    add(model::kCapacityProviderAttribute, options.capacity_provider);
  }
  for (const auto& [name, value] : options.attributes) add(name, value);

  return {{"totalResources", std::move(resources)},
          {"attributes", std::move(attributes)},
          {"versionInfo", json::object{{"agentVersion", GANTRY_VERSION},
                                       {"agentHash", "gantry"},
                                       {"dockerVersion", "none (process driver)"}}}};
}

}  // namespace gantry::agent
