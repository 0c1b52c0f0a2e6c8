#include "state/task_stats.h"

#include "core/arn.h"

namespace gantry::state {

void TaskStats::record(const std::string& instance_arn, const model::StatsReport& report,
                       core::SystemTime now) {
  std::lock_guard lock(mutex_);
  if (now - last_sweep_ > ttl_) {
    std::erase_if(entries_, [&](const auto& item) { return expired(item.second, now); });
    last_sweep_ = now;
  }
  for (const auto& task : report.tasks) {
    std::string cluster = core::scoped_cluster(task.task_arn);
    if (cluster.empty()) continue;  // not a task ARN: nobody could ask for it
    entries_[{std::move(cluster), task.task_arn}] =
        Held{{task.task_arn, instance_arn, report.sampled_at, task.containers}, now};
  }
}

void TaskStats::drop_instance(const std::string& instance_arn) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_,
                [&](const auto& item) { return item.second.entry.instance_arn == instance_arn; });
}

std::vector<TaskStatsEntry> TaskStats::cluster(const std::string& cluster, core::SystemTime now) {
  std::lock_guard lock(mutex_);
  std::vector<TaskStatsEntry> out;
  for (auto it = entries_.lower_bound(Key{cluster, ""});
       it != entries_.end() && it->first.first == cluster;) {
    if (expired(it->second, now)) {
      it = entries_.erase(it);
    } else {
      out.push_back(it->second.entry);
      ++it;
    }
  }
  return out;
}

}  // namespace gantry::state
