#pragma once
// What one task of a definition needs from its container instance, with the
// request's overrides applied: ECS's rules for task- and container-level
// cpu and memory, host ports by network mode, and GPU counts.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace gantry::ecs {

struct ContainerRequirements {
  std::string name;
  int64_t cpu = 0;
  std::optional<int64_t> memory;
  std::optional<int64_t> memory_reservation;
  int gpu_count = 0;
};

struct TaskRequirements {
  std::optional<int64_t> task_cpu;     // task-level, when the definition or overrides set it
  std::optional<int64_t> task_memory;  // MiB
  int64_t cpu = 0;                     // what placement reserves
  int64_t memory = 0;
  std::vector<int32_t> tcp_ports;
  std::vector<int32_t> udp_ports;
  int gpu_count = 0;
  std::vector<ContainerRequirements> containers;  // in definition order
};

// Throws InvalidParameterException for an override naming no container of
// the definition, or task-level sizes that do not parse.
TaskRequirements task_requirements(const boost::json::object& definition,
                                   const boost::json::object& overrides);

// The container override for `name`, or an empty object.
const boost::json::object& container_override(const boost::json::object& overrides,
                                              std::string_view name);

}  // namespace gantry::ecs
