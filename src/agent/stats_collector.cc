#include "agent/stats_collector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace gantry::agent {

namespace json = boost::json;

StatsSampler::StatsSampler(Driver& driver, const core::Clock& clock)
    : driver_(driver), clock_(clock) {}

model::StatsReport StatsSampler::sample(const std::vector<TaskView>& tasks) {
  struct Job {
    size_t task;
    const ContainerStatus* container;
    std::optional<json::object> stats;
  };
  std::vector<Job> jobs;
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (const auto& container : tasks[t].status.containers) {
      if (container.last_status == kStatusRunning && container.handle) {
        jobs.push_back({t, &container, std::nullopt});
      }
    }
  }

  std::atomic<size_t> next = 0;
  auto work = [&] {
    for (size_t i = next++; i < jobs.size() && !cancelled_; i = next++) {
      try {
        jobs[i].stats = driver_.stats(*jobs[i].container->handle);
      } catch (const std::exception& error) {
        spdlog::debug("stats: no sample of {}: {}", jobs[i].container->name, error.what());
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (size_t h = 1; h < std::min(kParallelSamples, jobs.size()); ++h) helpers.emplace_back(work);
    work();
  }

  model::StatsReport report;
  report.sampled_at = core::to_epoch_seconds(clock_.now());
  std::map<std::string, CpuTimes> seen;
  std::optional<size_t> current_task;
  for (const auto& job : jobs) {
    if (!job.stats) continue;
    const std::string& runtime_id = job.container->handle->runtime_id;
    auto previous = previous_.find(runtime_id);
    ContainerUsage usage = container_usage(
        *job.stats, previous == previous_.end() ? std::nullopt : std::optional(previous->second));
    if (usage.cpu) seen[runtime_id] = *usage.cpu;
    if (current_task != job.task) {  // jobs are grouped by task
      report.tasks.push_back({tasks[job.task].status.task_arn, {}});
      current_task = job.task;
    }
    report.tasks.back().containers.push_back({job.container->name, runtime_id, usage.cpu_percent,
                                              usage.memory.used_bytes, usage.memory.limit_bytes});
  }
  previous_ = std::move(seen);
  return report;
}

StatsCollector::StatsCollector(RunningTasks running_tasks, Driver& driver, Send send,
                               const core::Clock& clock, std::chrono::milliseconds interval)
    : running_tasks_(std::move(running_tasks)),
      send_(std::move(send)),
      interval_(interval),
      sampler_(driver, clock),
      thread_([this] { run(); }) {}

StatsCollector::~StatsCollector() {
  sampler_.cancel();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StatsCollector::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    round();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void StatsCollector::round() {
  try {
    std::vector<TaskView> tasks = running_tasks_();
    if (sampler_.cancelled()) return;
    model::StatsReport report = sampler_.sample(tasks);
    if (report.tasks.empty() || sampler_.cancelled()) return;
    send_(std::move(report));
  } catch (const std::exception& error) {
    spdlog::warn("stats: a round failed: {}", error.what());
  }
}

}  // namespace gantry::agent
