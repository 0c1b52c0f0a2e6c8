#pragma once
// RunTask's and StartTask's request bodies (already checked against
// botocore's model) as launch commands: for the API, and for a controller
// that launches a stored request again (a job's restart).
#include <boost/json.hpp>

#include "ecs/task_launch.h"

namespace gantry::ecs {

TaskSpec task_spec_from_request(const boost::json::object& body);
RunTasks run_tasks_from_request(const boost::json::object& body);
StartTasks start_tasks_from_request(const boost::json::object& body);

}  // namespace gantry::ecs
