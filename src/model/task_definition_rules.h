#pragma once
// What ECS checks and computes when a task definition is registered, beyond
// the shape checks of model/schema.h: names, essential containers, memory and
// cpu rules, FARGATE sizes, network modes; and the members ECS adds.
#include <boost/json.hpp>

namespace gantry::model {

// Throws core::ApiError ("ClientException" or "InvalidParameterException",
// with ECS's messages) when a schema-valid RegisterTaskDefinition request
// breaks one of ECS's rules.
void validate_task_definition(const boost::json::object& request);

// Rewrites task-level `cpu` ("1 vCPU" -> "1024") and `memory`
// ("2 GB" -> "2048") to the unit-less strings ECS returns.
void normalize_task_definition(boost::json::object& request);

// The `compatibilities` ECS computes: the launch types the definition can
// run on ("EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES").
boost::json::array compute_compatibilities(const boost::json::object& request);

// The `requiresAttributes` ECS computes from the features the definition
// uses, e.g. {"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}.
boost::json::array compute_requires_attributes(const boost::json::object& request);

}  // namespace gantry::model
