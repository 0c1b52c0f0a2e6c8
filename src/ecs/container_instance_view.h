#pragma once
// A container instance as clients and the scheduler see it: its registered
// resources, less what its unstopped tasks hold, and its task counts. These
// are derived from the tasks at read time, never stored.
#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "scheduler/placement.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct InstanceUsage {
  int64_t remaining_cpu = 0;
  int64_t remaining_memory = 0;
  std::set<int32_t> used_tcp_ports;  // reserved at registration, and taken by tasks
  std::set<int32_t> used_udp_ports;
  std::vector<std::string> free_gpu_ids;
  int64_t running_tasks = 0;
  int64_t pending_tasks = 0;
  scheduler::TaskGroups task_groups;
};

// What an instance registered with: its resources before any task.
struct RegisteredResources {
  int64_t cpu = 0;
  int64_t memory = 0;
  std::set<int32_t> tcp_ports;  // reserved for the host
  std::set<int32_t> udp_ports;
  std::vector<std::string> gpu_ids;
};
// What the instance registered, less the GPUs its agent reports unhealthy:
// placement never gives those out, and remainingResources does not list them.
RegisteredResources registered_resources(const state::ContainerInstanceRecord& instance);

// The host's usage as `cluster` sees it: every task's resources, and the
// groups of the cluster's own tasks (none when `cluster` is empty). Without
// devices: the ports and GPUs are left empty (the caller keeps those it
// has, as the holdings' devices_generation says it may).
InstanceUsage usage_of(const RegisteredResources& registered, const state::InstanceHoldings& held,
                       std::string_view cluster, bool with_devices = true);
InstanceUsage usage_of(const state::ClusterState& state,
                       const state::ContainerInstanceRecord& instance);

// The ECS Resource shape, every member present as ECS shows it.
boost::json::object integer_resource(std::string_view name, int64_t value);
boost::json::object string_set_resource(std::string_view name, const boost::json::array& values);

// An INTEGER resource of registeredResources ("CPU", "MEMORY"), 0 if absent.
int64_t registered_integer(const boost::json::object& instance_doc, std::string_view name);
// A STRINGSET resource of registeredResources ("PORTS", "PORTS_UDP", "GPU").
std::vector<std::string> registered_strings(const boost::json::object& instance_doc,
                                            std::string_view name);

// The ECS ContainerInstance shape.
boost::json::object render_container_instance(const state::ContainerInstanceRecord& instance,
                                              const InstanceUsage& usage, bool agent_connected,
                                              bool include_tags);

}  // namespace gantry::ecs
