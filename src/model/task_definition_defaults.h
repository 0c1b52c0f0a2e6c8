#pragma once
// The members ECS fills in when a task definition omits them, so that a
// described definition reads as it does on ECS (and tools that diff against
// ECS, such as Terraform, see no change).
#include <boost/json.hpp>

namespace gantry::model {

void apply_task_definition_defaults(boost::json::object& definition);

}  // namespace gantry::model
