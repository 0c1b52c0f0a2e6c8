#include "controllers/task_reaper.h"

namespace gantry::controllers {

namespace {
const state::TaskRecord* stopped_task(const std::shared_ptr<const state::Record>& record) {
  const auto* task = record ? std::get_if<state::TaskRecord>(record.get()) : nullptr;
  return task && task->last_status() == "STOPPED" && task->stopped_at() ? task : nullptr;
}
}  // namespace

bool expired(const state::TaskRecord& task, core::SystemTime now, std::chrono::seconds retention) {
  auto stopped_at = task.stopped_at();
  return task.last_status() == "STOPPED" && stopped_at && *stopped_at + retention <= now;
}

ExpiredTasks expired_tasks(const state::ClusterState& state, core::SystemTime now,
                           std::chrono::seconds retention, size_t limit) {
  ExpiredTasks out;
  auto note_next = [&](core::SystemTime expiry) {
    if (!out.next_expiry || expiry < *out.next_expiry) out.next_expiry = expiry;
  };
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& stopped : state.stopped_tasks(cluster)) {
      if (stopped.stopped_at + retention > now || out.tasks.size() >= limit) {
        note_next(stopped.stopped_at + retention);
        break;
      }
      out.tasks.push_back({cluster, std::string(stopped.id)});
    }
  }
  return out;
}

state::Outcome delete_expired(const state::ClusterState& latest, const std::vector<TaskRef>& tasks,
                              core::SystemTime now, std::chrono::seconds retention) {
  state::Outcome outcome;
  for (const auto& ref : tasks) {
    const auto* task = latest.task(ref.cluster, ref.id);
    if (task && expired(*task, now, retention)) {
      outcome.changes.push_back(state::delete_change(state::task_key(ref.cluster, ref.id)));
    }
  }
  return outcome;
}

bool TaskReaper::interested(const state::LoggedChange& change) {
  const auto* after = stopped_task(change.after);
  if (!after) return false;
  const auto* before = stopped_task(change.before);
  return !before || before->stopped_at() != after->stopped_at();
}

Reconcile TaskReaper::reconcile(const state::ClusterState& state, core::SystemTime now) {
  auto found = expired_tasks(state, now, retention_, batch_);
  Reconcile decided;
  decided.next_run = found.next_expiry;
  if (!found.tasks.empty()) {
    decided.mutations.push_back([tasks = std::move(found.tasks), now,
                                 retention = retention_](const state::ClusterState& latest) {
      return delete_expired(latest, tasks, now, retention);
    });
  }
  return decided;
}

}  // namespace gantry::controllers
