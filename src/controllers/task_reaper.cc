#include "controllers/task_reaper.h"

namespace gantry::controllers {

std::vector<state::Change> expired_tasks(const state::ClusterState& state, core::SystemTime now,
                                         std::chrono::seconds retention) {
  const double cutoff = core::to_epoch_seconds(now - retention);
  std::vector<state::Change> deletions;
  for (const auto& [name, cluster] : state.clusters()) {
    for (const auto& [id, task] : state.tasks(name)) {
      if (task->last_status() != "STOPPED") continue;
      const auto doc = task->doc();
      auto* stopped_at = doc.if_contains("stoppedAt");
      if (stopped_at && stopped_at->is_number() && stopped_at->to_number<double>() < cutoff) {
        deletions.push_back(state::delete_change(state::task_key(name, task->id())));
      }
    }
  }
  return deletions;
}

TaskReaper::TaskReaper(boost::asio::io_context& io, state::ControlState& state,
                       const core::Clock& clock, std::chrono::seconds retention,
                       std::chrono::seconds period)
    : state_(state), clock_(clock), retention_(retention), period_(period), timer_(io) {
  schedule();
}

TaskReaper::~TaskReaper() { timer_.cancel(); }

void TaskReaper::schedule() {
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    state_.submit(
        [this](const state::ClusterState& latest) {
          return state::Outcome{expired_tasks(latest, clock_.now(), retention_), {}};
        },
        [](state::Answer) {});
    schedule();
  });
}

}  // namespace gantry::controllers
