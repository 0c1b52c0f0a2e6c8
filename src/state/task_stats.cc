#include "state/task_stats.h"

namespace gantry::state {

void TaskStats::record(const std::string& cluster, const std::string& instance_arn,
                       const model::StatsReport& report, core::SystemTime now) {
  std::lock_guard lock(mutex_);
  if (now - last_sweep_ > ttl_) {
    std::erase_if(entries_, [&](const auto& item) { return expired(item.second, now); });
    last_sweep_ = now;
  }
  for (const auto& task : report.tasks) {
    entries_[{cluster, task.task_arn}] =
        Held{{task.task_arn, instance_arn, report.sampled_at, task.containers}, now};
  }
}

void TaskStats::drop_instance(const std::string& cluster, const std::string& instance_arn) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.lower_bound(Key{cluster, ""});
       it != entries_.end() && it->first.first == cluster;) {
    it = it->second.entry.instance_arn == instance_arn ? entries_.erase(it) : std::next(it);
  }
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
