#include "ecs/task_stop.h"

#include "core/error.h"
#include "ecs/lookups.h"
#include "ecs/task_transitions.h"
#include "ecs/task_view.h"

namespace gantry::ecs {

Stopped stop_task(const Context& context, const StopTask& command) {
  std::string cluster = active_cluster(context.state, command.cluster).name();
  const state::TaskRecord* task = find_task(context.state, cluster, command.task);
  if (!task) throw core::invalid_parameter("The referenced task was not found.");
  if (command.reason.size() > 255) {
    throw core::invalid_parameter("reason can be at most 255 characters.");
  }
  auto stopping = request_stop(*task, command.stop_code, command.reason, context.now_seconds());
  if (!stopping) return {{}, render_task(*task, false)};
  boost::json::object rendered = render_task(*stopping, false);
  return {{state::put_change(state::task_key(cluster, task->id()), std::move(*stopping))},
          std::move(rendered)};
}

}  // namespace gantry::ecs
