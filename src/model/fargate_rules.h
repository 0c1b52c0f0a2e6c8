#pragma once
// What a task definition must satisfy to run on Fargate. One check serves two
// callers: validate_task_definition refuses a definition that asks for
// FARGATE and fails it, and compute_compatibilities lists FARGATE for one
// that passes it without asking (as ECS does).
#include <boost/json.hpp>

#include <optional>
#include <string>

namespace gantry::model {

// The first reason, worded as ECS's ClientException message, why the
// definition cannot run on Fargate; nullopt when it can.
std::optional<std::string> fargate_incompatibility(const boost::json::object& request);

}  // namespace gantry::model
