#pragma once
// The members that say where tasks go, as RunTask's request and a service's
// document both write them: launchType, capacityProviderStrategy,
// placementConstraints and placementStrategy.
#include <boost/json.hpp>

#include "ecs/task_launch.h"

namespace gantry::ecs {

// Sets `command`'s launch type, strategy, constraints and placement strategy
// from `doc` (members absent leave the command's defaults).
void read_launch_members(const boost::json::object& doc, RunTasks& command);

}  // namespace gantry::ecs
