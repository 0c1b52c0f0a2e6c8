#include "ecs/task_requirements.h"

#include <charconv>
#include <set>

#include "core/error.h"
#include "core/json_members.h"
#include "model/task_size.h"

namespace gantry::ecs {

using core::array_member;
using core::int_member;
using core::string_member;

namespace json = boost::json;

namespace {

std::optional<int64_t> optional_int(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (v && v->is_int64()) return v->get_int64();
  return std::nullopt;
}

// Task-level sizes: the override's when given, else the definition's.
template <class Parse>
std::optional<int64_t> task_size(const json::object& definition, const json::object& overrides,
                                 std::string_view member, Parse parse) {
  std::string text = string_member(overrides, member, string_member(definition, member));
  if (text.empty()) return std::nullopt;
  auto parsed = parse(text);
  if (!parsed) {
    throw core::invalid_parameter("Invalid task " + std::string(member) + " '" + text + "'.");
  }
  return *parsed;
}

int gpu_count(const json::object& container) {
  int count = 0;
  if (auto* requirements = array_member(container, "resourceRequirements")) {
    for (const auto& r : *requirements) {
      if (string_member(r.as_object(), "type") == "GPU") {
        std::string value = string_member(r.as_object(), "value");
        int n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
          throw core::invalid_parameter("Invalid GPU count '" + value + "' for container " +
                                        string_member(container, "name") + ".");
        }
        count += n;
      }
    }
  }
  return count;
}

}  // namespace

const json::object& container_override(const json::object& overrides, std::string_view name) {
  static const json::object kNone;
  if (auto* list = array_member(overrides, "containerOverrides")) {
    for (const auto& item : *list) {
      if (string_member(item.as_object(), "name") == name) return item.as_object();
    }
  }
  return kNone;
}

TaskRequirements task_requirements(const json::object& definition, const json::object& overrides) {
  TaskRequirements out;
  const json::array& containers = definition.at("containerDefinitions").as_array();
  std::set<std::string> names;
  for (const auto& c : containers) names.insert(string_member(c.as_object(), "name"));
  if (auto* list = array_member(overrides, "containerOverrides")) {
    for (const auto& item : *list) {
      std::string name = string_member(item.as_object(), "name");
      if (!names.contains(name)) {
        throw core::invalid_parameter("Override for container named " + name +
                                      " is not a container in the TaskDefinition.");
      }
    }
  }

  out.task_cpu = task_size(definition, overrides, "cpu", model::parse_task_cpu);
  out.task_memory = task_size(definition, overrides, "memory", model::parse_task_memory);
  std::string network_mode = string_member(definition, "networkMode", "bridge");
  int64_t container_cpu = 0;
  int64_t container_memory = 0;
  for (const auto& item : containers) {
    const json::object& c = item.as_object();
    ContainerRequirements r;
    r.name = string_member(c, "name");
    const json::object& o = container_override(overrides, r.name);
    r.cpu = optional_int(o, "cpu").value_or(optional_int(c, "cpu").value_or(0));
    r.memory = optional_int(o, "memory");
    if (!r.memory) r.memory = optional_int(c, "memory");
    r.memory_reservation = optional_int(o, "memoryReservation");
    if (!r.memory_reservation) r.memory_reservation = optional_int(c, "memoryReservation");
    r.gpu_count = gpu_count(o.contains("resourceRequirements") ? o : c);
    container_cpu += r.cpu;
    container_memory += r.memory_reservation.value_or(r.memory.value_or(0));
    out.gpu_count += r.gpu_count;

    if (network_mode == "host" || network_mode == "bridge") {
      if (auto* mappings = array_member(c, "portMappings")) {
        for (const auto& m : *mappings) {
          const json::object& mapping = m.as_object();
          int64_t host_port = network_mode == "host"
                                  ? int_member(mapping, "hostPort", int_member(mapping, "containerPort", 0))
                                  : int_member(mapping, "hostPort", 0);
          if (host_port <= 0) continue;  // bridge: a dynamic port, chosen at start
          auto& ports = string_member(mapping, "protocol", "tcp") == "udp" ? out.udp_ports
                                                                            : out.tcp_ports;
          ports.push_back(static_cast<int32_t>(host_port));
        }
      }
    }
    out.containers.push_back(std::move(r));
  }
  out.cpu = out.task_cpu.value_or(container_cpu);
  out.memory = out.task_memory.value_or(container_memory);
  return out;
}

}  // namespace gantry::ecs
