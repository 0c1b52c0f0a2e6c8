#include "ecs/spot_interruption.h"

#include "core/error.h"
#include "core/json_members.h"
#include "ecs/lookups.h"
#include "ecs/task_transitions.h"
#include "ecs/task_view.h"

namespace gantry::ecs {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTasks = 100;

bool on_spot(const state::TaskRecord& task) {
  state::DocScratch scratch;
  return core::string_member(task.doc(scratch.storage()), "capacityProviderName") ==
         "FARGATE_SPOT";
}

}  // namespace

SpotInterrupted interrupt_spot_tasks(const Context& context, const InterruptSpotTasks& command) {
  const state::ClusterState& state = context.state;
  std::string cluster = active_cluster(state, command.cluster).name();
  if (command.tasks.size() > kMaxTasks) {
    throw core::invalid_parameter("tasks can name at most 100 tasks.");
  }
  SpotInterrupted out;
  auto interrupt = [&](const state::TaskRecord& task) {
    auto stopping =
        request_stop(task, "SpotInterruption", kSpotInterruptionReason, context.now_seconds());
    if (!stopping) return;  // stopping already
    out.tasks.push_back(render_task(*stopping, false));
    out.changes.push_back(state::put_change(state::task_key(cluster, task.id()), std::move(*stopping)));
  };
  if (command.tasks.empty()) {
    for (const auto& [id, task] : state.tasks(cluster)) {
      if (task->last_status() != "STOPPED" && on_spot(*task)) interrupt(*task);
    }
    return out;
  }
  for (const std::string& identifier : command.tasks) {
    const state::TaskRecord* task = find_task(state, cluster, identifier);
    if (!task) {
      out.failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
    } else if (!on_spot(*task)) {
      out.failures.push_back(
          json::object{{"arn", task->arn()}, {"reason", "The task does not run on FARGATE_SPOT."}});
    } else {
      interrupt(*task);
    }
  }
  return out;
}

}  // namespace gantry::ecs
