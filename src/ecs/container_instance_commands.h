#pragma once
// A container instance's life as commands: registration (and an agent's
// re-registration), deregistration, draining (UpdateContainerInstancesState)
// and its agent's connection (the agent channel, and the control plane's
// start, which marks every agent disconnected until it reconnects).
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct RegisterInstance {
  std::string cluster = "default";     // a name or ARN
  std::string container_instance_arn;  // re-registration of a known instance
  std::string instance_identity_document;  // EC2's, as JSON text; names the instance
  // ECS's shapes, kept on the record as given.
  boost::json::array total_resources;   // Resource
  boost::json::array platform_devices;  // PlatformDevice
  boost::json::array attributes;        // Attribute
  std::optional<boost::json::object> version_info;
  boost::json::array tags;
};

struct DeregisterInstance {
  std::string cluster = "default";
  std::string container_instance;  // an id or ARN
  bool force = false;              // stop its tasks with it
};

struct UpdateInstancesState {
  std::string cluster = "default";
  std::vector<std::string> container_instances;  // ids or ARNs
  std::string status;                            // ACTIVE | DRAINING
};

struct InstanceFailure {
  std::string arn;
  std::string reason;
};

struct InstanceChanged {
  std::vector<state::Change> changes;
  boost::json::object container_instance;  // the ECS ContainerInstance, tags included
};

struct InstancesUpdated {
  std::vector<state::Change> changes;
  boost::json::array container_instances;  // without tags
  std::vector<InstanceFailure> failures;
};

// Each throws core::ApiError as the operation of its name refuses.
InstanceChanged register_instance(const Context& context, const RegisterInstance& command);
InstanceChanged deregister_instance(const Context& context, const DeregisterInstance& command);
InstancesUpdated update_instances_state(const Context& context,
                                        const UpdateInstancesState& command);

struct SetAgentConnection {
  std::string cluster;      // a name
  std::string instance_id;  // of the instance the channel is for
  bool connected = false;
};

// Nothing when the record says so already, or the instance is gone.
std::vector<state::Change> set_agent_connection(const Context& context,
                                                const SetAgentConnection& command);
// Every instance that says it is connected, marked disconnected: run once
// when the control plane starts, before any agent reconnects.
std::vector<state::Change> disconnect_all_agents(const Context& context);

}  // namespace gantry::ecs
