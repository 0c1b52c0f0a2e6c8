#pragma once
// An agent's report as SubmitTaskStateChange's body carries it, shared by
// that operation and the agent channel (whose taskStates are such bodies).
#include <boost/json.hpp>

#include "ecs/task_transitions.h"

namespace gantry::api {

// The report a SubmitTaskStateChange body makes; its status is checked by
// the command (ecs::check_report).
ecs::TaskReport task_report_from(const boost::json::object& body);

}  // namespace gantry::api
