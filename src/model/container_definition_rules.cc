// The container rules that look across the containers of a task: names,
// essential containers, cpu and memory totals, host ports, and the references
// between containers (links, dependsOn, volumesFrom) and to volumes.
#include "model/container_definition_rules.h"

#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/task_definition_view.h"

namespace gantry::model {

namespace json = boost::json;
using namespace detail;

namespace {

// A documented, non-adjustable ECS quota.
constexpr std::size_t kMaxContainers = 10;

// The containers of the task by name, in their order in the request.
struct Containers {
  std::vector<std::string> names;
  std::map<std::string, const json::object*> by_name;
};

Containers collect_containers(const json::array& definitions) {
  if (definitions.empty()) fail("Container list cannot be empty.");
  if (definitions.size() > kMaxContainers) {
    fail("Too many containers. A task definition can have at most 10 container definitions.");
  }
  Containers containers;
  for (const auto& item : definitions) {
    if (!item.is_object()) continue;
    const auto name = string_or_empty(item.get_object(), "name");
    if (name.empty()) fail("Container.name should not be null or empty.");
    if (name.size() > kMaxNameLength) fail("Container.name must be at most 255 characters long.");
    if (!has_only_name_characters(name)) fail("Container.name contains invalid characters.");
    if (!containers.by_name.emplace(name, &item.get_object()).second) {
      fail("Container names must be unique within a Task Definition.");
    }
    containers.names.push_back(name);
  }
  return containers;
}

bool is_essential(const json::object& c) { return bool_member(c, "essential", true); }

void check_totals(const TaskContext& task, const Containers& containers) {
  std::int64_t cpu = 0;
  std::int64_t reserved_memory = 0;
  for (const auto& name : containers.names) {
    const auto& c = *containers.by_name.at(name);
    cpu += int_member(c, "cpu").value_or(0);
    // What a container reserves: its soft limit, else its hard limit.
    reserved_memory += int_member(c, "memoryReservation").value_or(int_member(c, "memory").value_or(0));
  }
  if (task.cpu && cpu > *task.cpu) {
    fail("The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.");
  }
  if (task.memory && reserved_memory > *task.memory) {
    fail("The sum of all container 'memoryReservation' values (or 'memory' where no reservation is "
         "set) cannot be greater than the value of the task 'memory'.");
  }
}

// A host port can be bound once per protocol. In awsvpc and host mode an
// unset hostPort is the containerPort; in bridge mode it is dynamic.
void check_host_ports(const TaskContext& task, const Containers& containers) {
  const bool static_ports = task.network_mode == "awsvpc" || task.network_mode == "host";
  std::set<std::pair<std::string, std::int64_t>> bound;
  for (const auto& name : containers.names) {
    for (const auto& item : array_member(*containers.by_name.at(name), "portMappings")) {
      if (!item.is_object()) continue;
      const auto& mapping = item.get_object();
      auto port = int_member(mapping, "hostPort").value_or(0);
      if (port == 0 && static_ports) port = int_member(mapping, "containerPort").value_or(0);
      if (port == 0) continue;
      auto protocol = string_member(mapping, "protocol").value_or("tcp");
      if (!bound.emplace(protocol, port).second) {
        for (auto& ch : protocol) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        fail(protocol + " host port '" + std::to_string(port) + "' is mapped multiple times in task.");
      }
    }
  }
}

void check_references(const Containers& containers) {
  for (const auto& name : containers.names) {
    const auto& c = *containers.by_name.at(name);
    for (const auto& link : array_member(c, "links")) {
      if (!link.is_string()) continue;
      const std::string target(link.get_string().subview().substr(0, link.get_string().find(':')));
      if (target == name || !containers.by_name.contains(target)) {
        fail("Invalid link " + quoted(std::string(link.get_string())) + " in container " + quoted(name) +
             ": links must name another container of the task definition (name or name:alias).");
      }
    }
    for (const auto& item : array_member(c, "volumesFrom")) {
      if (!item.is_object()) continue;
      const auto source = string_or_empty(item.get_object(), "sourceContainer");
      if (source == name) fail("Container " + quoted(name) + " cannot mount volumes from itself.");
      if (!containers.by_name.contains(source)) {
        fail("Container " + quoted(name) + " cannot mount volumes from container " + quoted(source) +
             " because it does not exist.");
      }
    }
  }
}

void check_mount_points(const TaskContext& task, const Containers& containers) {
  std::set<std::string> volumes;
  for (const auto& item : array_member(task.request, "volumes")) {
    if (item.is_object()) volumes.insert(string_or_empty(item.get_object(), "name"));
  }
  for (const auto& name : containers.names) {
    for (const auto& item : array_member(*containers.by_name.at(name), "mountPoints")) {
      if (!item.is_object()) continue;
      const auto source = string_member(item.get_object(), "sourceVolume");
      if (!source || !volumes.contains(*source)) fail("Unknown volume " + quoted(source.value_or("null")) + ".");
    }
  }
}

void check_dependency_targets(const Containers& containers) {
  for (const auto& name : containers.names) {
    for (const auto& item : array_member(*containers.by_name.at(name), "dependsOn")) {
      if (!item.is_object()) continue;
      const auto target = string_or_empty(item.get_object(), "containerName");
      const auto condition = string_or_empty(item.get_object(), "condition");
      if (target == name) fail("Container " + quoted(name) + " cannot depend on itself.");
      const auto found = containers.by_name.find(target);
      if (found == containers.by_name.end()) {
        fail("Cannot depend on container " + quoted(target) + " because it does not exist.");
      }
      if ((condition == "SUCCESS" || condition == "COMPLETE") && is_essential(*found->second)) {
        fail("A dependency container with SUCCESS or COMPLETE condition cannot be an essential container");
      }
      if (condition == "HEALTHY" && !has_object(*found->second, "healthCheck")) {
        fail("A dependency container with HEALTHY condition must have a health check configured");
      }
    }
  }
}

// A cycle would leave every container on it waiting for another.
void check_dependency_cycles(const Containers& containers) {
  enum class Mark { kNone, kVisiting, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    auto& mark = marks[name];
    if (mark == Mark::kDone) return;
    if (mark == Mark::kVisiting) {
      std::string cycle;
      bool on_cycle = false;
      for (const auto& step : path) {
        on_cycle = on_cycle || step == name;
        if (on_cycle) cycle += step + " -> ";
      }
      fail("Container dependencies form a cycle: " + cycle + name + ".");
    }
    mark = Mark::kVisiting;
    path.push_back(name);
    for (const auto& item : array_member(*containers.by_name.at(name), "dependsOn")) {
      if (item.is_object()) visit(string_or_empty(item.get_object(), "containerName"));
    }
    path.pop_back();
    marks[name] = Mark::kDone;
  };
  for (const auto& name : containers.names) visit(name);
}

}  // namespace

void validate_container_definitions(const TaskContext& task) {
  const auto containers = collect_containers(array_member(task.request, "containerDefinitions"));
  bool any_essential = false;
  for (const auto& name : containers.names) {
    const auto& c = *containers.by_name.at(name);
    validate_container(task, c);
    any_essential = any_essential || is_essential(c);
  }
  if (!any_essential) fail("Task definition doesn't have any essential container.");
  check_totals(task, containers);
  check_host_ports(task, containers);
  check_references(containers);
  check_mount_points(task, containers);
  check_dependency_targets(containers);
  check_dependency_cycles(containers);
}

}  // namespace gantry::model
