#pragma once
// A copy of one task as the agent runs it, for readers off the agent's
// thread (the task metadata endpoint, the stats collector).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/task_spec.h"
#include "agent/task_status.h"

namespace gantry::agent {

struct TaskView {
  TaskSpec spec;
  TaskStatus status;
  std::string cluster;
  std::string instance_arn;
  std::string desired_status;  // RUNNING | STOPPED
};

// The task whose id (the last segment of its ARN) is given; nullopt when
// the agent runs no such task.
using FindTask = std::function<std::optional<TaskView>(const std::string& task_id)>;
// Every task the agent runs that has a RUNNING container.
using RunningTasks = std::function<std::vector<TaskView>()>;

}  // namespace gantry::agent
