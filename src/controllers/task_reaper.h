#pragma once
// Stopped tasks stay describable for an hour after they stop, as on ECS,
// then expire. The decision takes from the front of each cluster's index of
// stopped tasks (earliest stop first), a bounded batch at a time, and asks
// to run again when the next task expires.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controllers/controller.h"

namespace gantry::controllers {

struct TaskRef {
  std::string cluster;
  std::string id;
  bool operator==(const TaskRef&) const = default;
};

struct ExpiredTasks {
  std::vector<TaskRef> tasks;  // each cluster's earliest stops first
  std::optional<core::SystemTime> next_expiry;  // of the first task not taken
};

// Whether the task stopped at least `retention` before `now`.
bool expired(const state::TaskRecord& task, core::SystemTime now, std::chrono::seconds retention);

// At most `limit` tasks that have expired by `now`.
ExpiredTasks expired_tasks(const state::ClusterState& state, core::SystemTime now,
                           std::chrono::seconds retention, size_t limit);

// The writer's half: deletes those of `tasks` that are still expired in the
// latest state (one may have been deleted, or replaced, since).
state::Outcome delete_expired(const state::ClusterState& latest, const std::vector<TaskRef>& tasks,
                              core::SystemTime now, std::chrono::seconds retention);

class TaskReaper final : public Controller {
 public:
  static constexpr size_t kDefaultBatch = 1000;  // deletions per mutation

  explicit TaskReaper(std::chrono::seconds retention = std::chrono::hours(1),
                      size_t batch = kDefaultBatch)
      : retention_(retention), batch_(batch) {}

  std::string_view name() const override { return "task-reaper"; }
  // A task that has just stopped: its expiry may come before the timer's.
  bool interested(const state::LoggedChange& change) override;
  Reconcile reconcile(const state::ClusterState& state, core::SystemTime now) override;

 private:
  const std::chrono::seconds retention_;
  const size_t batch_;
};

}  // namespace gantry::controllers
