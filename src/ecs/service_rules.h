#pragma once
// The checks CreateService and UpdateService share, with ECS's refusals.
#include <boost/json.hpp>

#include <string>

#include "state/cluster_state.h"

namespace gantry::ecs {

// Letters, digits, underscores and hyphens, 1 to 255 of them.
void validate_service_name(const std::string& name);

// The task definition a service names (family, family:revision or ARN):
// the family's latest ACTIVE revision for a bare family. Throws
// ClientException "TaskDefinition not found." or, for an INACTIVE one,
// "TaskDefinition is inactive".
const state::TaskDefinitionRecord& service_task_definition(const state::ClusterState& state,
                                                           const std::string& identifier);

// The family a task definition runs on FARGATE ("Linux" unless its
// runtimePlatform names a Windows one): a FARGATE service's and task set's
// platformFamily.
std::string platform_family(const state::TaskDefinitionRecord& definition);

// Where a service's tasks run: a launch type, or a capacity provider
// strategy (the request's, else the cluster's default), else EC2.
struct ServiceCapacity {
  std::string launch_type;                        // empty with a strategy
  boost::json::array capacity_provider_strategy;  // empty with a launch type
  bool fargate = false;  // FARGATE, or a strategy of FARGATE and FARGATE_SPOT
};
ServiceCapacity service_capacity(const state::ClusterRecord& cluster,
                                 const std::string& launch_type,
                                 const boost::json::array* strategy);

// The definition can run as `capacity` says (FARGATE compatibility), and
// the network configuration matches its network mode (required for awsvpc,
// refused otherwise).
void check_definition_fits(const state::TaskDefinitionRecord& definition,
                           const ServiceCapacity& capacity,
                           const boost::json::object* network_configuration);

// Placement constraints and strategies, checked as RunTask checks them;
// none on FARGATE, no strategy for DAEMON.
void check_placement(const boost::json::array* constraints, const boost::json::array* strategies,
                     bool fargate, bool daemon);

// A deploymentConfiguration with ECS's defaults (REPLICA 200/100, DAEMON
// 100/0, the circuit breaker off): `given`'s members over `current`'s.
boost::json::object deployment_configuration(const boost::json::object* given,
                                             const boost::json::object* current, bool daemon);

// ECS's deploymentController: ECS (rolling updates, the default), or
// EXTERNAL and CODE_DEPLOY, whose task sets the caller manages (task_sets.h).
boost::json::object deployment_controller(const boost::json::object* given);

}  // namespace gantry::ecs
