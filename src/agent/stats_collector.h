#pragma once
// The agent's side of `gantry stats`: every interval, the CPU and memory of
// each running container, from its driver's stats(), reduced as `docker
// stats` reduces them (agent/container_usage.h) and handed to `send` as
// one report for the instance (ECS's agent sends the same over its
// telemetry channel).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/container_usage.h"
#include "agent/driver.h"
#include "agent/task_view.h"
#include "core/clock.h"
#include "model/agent_protocol.h"

namespace gantry::agent {

// One round of sampling, without a thread of its own. Keeps each
// container's last CPU times, the baseline when a driver's sample has no
// precpu_stats (the process driver's never has).
class StatsSampler {
 public:
  // At most this many stats() calls run at once: Docker's take a second or
  // two each, and a round must fit in an interval.
  static constexpr size_t kParallelSamples = 8;

  StatsSampler(Driver& driver, const core::Clock& clock);

  // The RUNNING containers with a handle of `tasks`; a container whose
  // stats() fails or answers nullopt is left out, and so is a task left
  // with no container. Calls driver.stats() from this thread and helpers.
  model::StatsReport sample(const std::vector<TaskView>& tasks);

  // From any thread: the round in progress starts no more stats() calls,
  // and no later round any. Cannot be undone.
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

 private:
  Driver& driver_;
  const core::Clock& clock_;
  std::atomic<bool> cancelled_ = false;
  std::map<std::string, CpuTimes> previous_;  // by runtime id; containers of the last round
};

class StatsCollector {
 public:
  using Send = std::function<void(model::StatsReport)>;

  // Starts the thread: a round at once, then one every `interval`. Each
  // round calls `running_tasks` (blocking; the agent's running_tasks()),
  // then the driver's stats(), then `send` with the report when it names
  // a task. All three are called on the collector's thread (stats() also
  // on short-lived helpers). `driver` must outlive the collector.
  StatsCollector(RunningTasks running_tasks, Driver& driver, Send send, const core::Clock& clock,
                 std::chrono::milliseconds interval = model::kStatsInterval);
  // Wakes the thread and joins it: at once between rounds; a round in
  // progress first finishes the stats() calls it has begun.
  ~StatsCollector();
  StatsCollector(const StatsCollector&) = delete;
  StatsCollector& operator=(const StatsCollector&) = delete;

 private:
  void run();
  void round();

  RunningTasks running_tasks_;
  Send send_;
  std::chrono::milliseconds interval_;
  StatsSampler sampler_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace gantry::agent
