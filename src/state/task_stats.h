#pragma once
// The latest CPU and memory figures of each running task, as its agent
// last reported them over the agent channel (`gantry stats`). Not durable:
// it is what the connected agents say, and it starts empty. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "model/agent_protocol.h"

namespace gantry::state {

struct TaskStatsEntry {
  std::string task_arn;
  std::string instance_arn;  // the instance whose agent reported it
  double sampled_at = 0;     // epoch seconds, the agent's
  std::vector<model::ContainerStats> containers;
};

class TaskStats {
 public:
  // A task's entry expires three intervals after its last report.
  explicit TaskStats(std::chrono::seconds report_interval = model::kStatsInterval)
      : ttl_(3 * report_interval) {}

  // Replaces the entries of the tasks `report` names, received at `now`
  // from `instance_arn`'s agent, each under the cluster its ARN names (a
  // FARGATE host runs the tasks of many). Expired entries of every cluster
  // go too, once per expiry period, so that the stats of stopped tasks do
  // not pile up where nobody reads them.
  void record(const std::string& instance_arn, const model::StatsReport& report,
              core::SystemTime now);

  // Forgets what `instance_arn` reported: its channel closed.
  void drop_instance(const std::string& instance_arn);

  // The cluster's unexpired entries, by task ARN; drops the expired ones.
  std::vector<TaskStatsEntry> cluster(const std::string& cluster, core::SystemTime now);

 private:
  struct Held {
    TaskStatsEntry entry;
    core::SystemTime received;
  };
  using Key = std::pair<std::string, std::string>;  // cluster, task ARN

  bool expired(const Held& held, core::SystemTime now) const { return now - held.received > ttl_; }

  const std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<Key, Held> entries_;
  core::SystemTime last_sweep_{};
};

}  // namespace gantry::state
