#pragma once
// Stopping a task (StopTask; a controller that scales a service down).
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct StopTask {
  std::string cluster = "default";  // a name or ARN
  std::string task;                 // an id or ARN
  std::string reason = "Task stopped by user";  // at most 255 characters
  std::string stop_code = "UserInitiated";      // ECS's TaskStopCode
};

struct Stopped {
  std::vector<state::Change> changes;  // none when it was stopping already
  boost::json::object task;            // the ECS Task document, without tags
};

// Throws for an inactive cluster, an unknown task or a reason too long.
Stopped stop_task(const Context& context, const StopTask& command);

}  // namespace gantry::ecs
