#include "controllers/service_breaker.h"

#include <algorithm>
#include <utility>

#include "controllers/service_events.h"

namespace gantry::controllers {

bool counts_as_failure(const ServiceTask& task) {
  if (task.last_status != model::TaskStatus::kStopped) return false;
  if (task.stopped_reason == kFailedHealthChecksReason) return true;
  switch (task.stop_code) {
    case StopCode::kTaskFailedToStart:
      return true;
    case StopCode::kEssentialContainerExited:
      return task.exited_nonzero || !task.started_at;
    default:
      return false;
  }
}

FailureCount count_failures(const ServiceDeployment& deployment,
                            const std::vector<ServiceTask>& tasks, core::SystemTime now,
                            std::chrono::seconds reset_after,
                            std::optional<core::SystemTime>* reset_due) {
  const auto after = deployment.last_failure_at;
  auto is_new = [&](core::SystemTime t) { return !after || t > *after; };
  // (time, is a failure): a failure and a recovery at the same instant count
  // the failure first.
  std::vector<std::pair<core::SystemTime, bool>> seen;
  for (const auto& task : tasks) {
    if (task.deployment_id != deployment.id) continue;
    if (counts_as_failure(task)) {
      if (task.stopped_at && is_new(*task.stopped_at)) seen.emplace_back(*task.stopped_at, true);
      continue;
    }
    const bool running = task.desired_running && task.last_status == model::TaskStatus::kRunning;
    const bool healthy =
        running && (!task.has_health_check || task.health == HealthStatus::kHealthy);
    if (!healthy) continue;
    core::SystemTime since =
        task.healthy_since ? *task.healthy_since
                           : (task.has_health_check ? now : task.started_at.value_or(now) + reset_after);
    if (since > now) {
      if (reset_due && (!*reset_due || since < **reset_due)) *reset_due = since;
      continue;
    }
    if (is_new(since)) seen.emplace_back(since, false);
  }
  std::sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  FailureCount count{deployment.failed_tasks, deployment.last_failure_at};
  for (const auto& [at, failure] : seen) {
    if (failure) {
      ++count.failed_tasks;
      count.last_failure_at = at;
    } else {
      count.failed_tasks = 0;
    }
  }
  return count;
}

int breaker_threshold(int desired) { return std::max(3, std::min(200, (desired + 1) / 2)); }

std::optional<core::SystemTime> throttled_until(const FailureCount& count,
                                                const ReconcileOptions& options) {
  if (count.failed_tasks < 2 || !count.last_failure_at) return std::nullopt;
  auto delay = options.backoff_base;
  for (int i = 2; i < count.failed_tasks && delay < options.backoff_max; ++i) delay *= 2;
  return *count.last_failure_at + std::min(delay, options.backoff_max);
}

}  // namespace gantry::controllers
