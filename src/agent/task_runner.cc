#include "agent/task_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>
#include <utility>

namespace gantry::agent {

namespace {

bool has_started(const ContainerStatus& c) {
  // A container that ran and exited has an exit code; one that never ran has none.
  return c.last_status == kStatusRunning || (c.last_status == kStatusStopped && c.exit_code);
}

bool is_stopped(const ContainerStatus& c) { return c.last_status == kStatusStopped; }

// The recovered status where there is one, with its containers put in the
// spec's order (a container the status does not know is PENDING).
TaskStatus initial_status(const TaskSpec& spec, std::optional<TaskStatus> recovered) {
  TaskStatus status = recovered ? std::move(*recovered) : TaskStatus{};
  status.task_arn = spec.task_arn;
  std::vector<ContainerStatus> containers;
  containers.reserve(spec.containers.size());
  for (const auto& c : spec.containers) {
    auto it = std::find_if(status.containers.begin(), status.containers.end(),
                           [&](const ContainerStatus& s) { return s.name == c.name; });
    if (it != status.containers.end()) {
      containers.push_back(std::move(*it));
    } else {
      containers.push_back(ContainerStatus{.name = c.name});
    }
  }
  status.containers = std::move(containers);
  return status;
}

}  // namespace

TaskRunner::TaskRunner(boost::asio::any_io_executor executor, Driver& driver, TaskSpec spec,
                       OnChange on_change, const core::Clock& clock,
                       std::optional<TaskStatus> recovered)
    : executor_(std::move(executor)),
      driver_(driver),
      spec_(std::move(spec)),
      on_change_(std::move(on_change)),
      clock_(clock),
      status_(initial_status(spec_, std::move(recovered))),
      checkers_(spec_.containers.size()),
      stop_sent_(spec_.containers.size(), false),
      starting_(spec_.containers.size(), false),
      // Only a stop sets a reason or stopped_by_request, so a recovered task
      // with either was stopping when the agent went away.
      stopping_(status_.stopped_by_request || !status_.stopped_reason.empty()) {}

TaskRunner::~TaskRunner() = default;

void TaskRunner::start() {
  if (started_ || status_.last_status == kStatusStopped) return;
  started_ = true;
  attach_recovered();
  // ECS shows a task PENDING while its containers start; a driver that
  // starts them at once would otherwise report RUNNING first.
  if (status_.last_status == kStatusPending && on_change_) {
    boost::asio::post(executor_, [weak = std::weak_ptr<bool>(alive_), this,
                                  pending = status_] {
      if (weak.expired()) return;
      auto on_change = on_change_;  // a copy: the callback may destroy this runner
      on_change(pending);
    });
  }
  if (stopping_) {
    stop_running_containers();
  } else {
    converge();
  }
  update_task_status();
  notify();
}

void TaskRunner::stop(std::string reason) {
  if (status_.last_status == kStatusStopped) return;
  attach_recovered();
  if (stopping_) {
    stop_running_containers();  // a recovered stop is re-sent; a repeated one is not
  } else {
    stop_task(reason.empty() ? kStoppedByUser : std::move(reason), true);
  }
  update_task_status();
  notify();
}

void TaskRunner::attach_recovered() {
  if (attached_) return;
  attached_ = true;
  for (std::size_t i = 0; i < status_.containers.size(); ++i) {
    auto& c = status_.containers[i];
    if (c.last_status != kStatusRunning) continue;
    if (!c.handle) {
      c.reason = "The agent lost track of the container (no driver handle was recorded).";
      finish_container(i, false);
      continue;
    }
    watch_container(i);
    if (!stopping_) start_health_check(i);
  }
}

TaskRunner::Condition TaskRunner::dependency_state(const ContainerDependency& dependency) const {
  auto it =
      std::find_if(status_.containers.begin(), status_.containers.end(),
                   [&](const ContainerStatus& s) { return s.name == dependency.container_name; });
  if (it == status_.containers.end()) return Condition::kNever;
  const ContainerStatus& d = *it;
  const std::string& condition = dependency.condition;
  if (condition == "START") {
    if (has_started(d)) return Condition::kMet;
    return is_stopped(d) ? Condition::kNever : Condition::kWaiting;
  }
  if (condition == "COMPLETE") return is_stopped(d) ? Condition::kMet : Condition::kWaiting;
  if (condition == "SUCCESS") {
    if (!is_stopped(d)) return Condition::kWaiting;
    return d.exit_code == 0 ? Condition::kMet : Condition::kNever;
  }
  if (condition == "HEALTHY") {
    const auto& spec = spec_.containers[static_cast<std::size_t>(it - status_.containers.begin())];
    if (is_stopped(d) || !spec.health_check) return Condition::kNever;
    return d.last_status == kStatusRunning && d.health_status == kHealthHealthy
               ? Condition::kMet
               : Condition::kWaiting;
  }
  return Condition::kNever;  // not a condition ECS knows
}

// Starts, in definition order, every PENDING container whose dependencies
// hold, and stops those whose dependencies never will; repeats while that
// changes anything, since one start can satisfy another's START.
void TaskRunner::converge() {
  bool progress = true;
  while (progress && !stopping_) {
    progress = false;
    for (std::size_t i = 0; i < spec_.containers.size() && !stopping_; ++i) {
      if (status_.containers[i].last_status != kStatusPending || starting_[i]) continue;
      bool never = false;
      bool waiting = false;
      for (const auto& dependency : spec_.containers[i].depends_on) {
        const auto state = dependency_state(dependency);
        never = never || state == Condition::kNever;
        waiting = waiting || state == Condition::kWaiting;
      }
      if (never) {
        status_.containers[i].reason = kDependencyConditionNotMet;
        finish_container(i, false);
        progress = true;
      } else if (!waiting) {
        start_container(i);
        progress = true;
      }
    }
  }
}

void TaskRunner::start_container(std::size_t i) {
  if (!status_.pull_started_at) status_.pull_started_at = now();
  starting_[i] = true;
  // A driver that finishes before start() returns is handled inline, inside
  // whatever converge or stop is under way; a later answer comes on the
  // executor and converges by itself.
  auto answered_inline = std::make_shared<bool>(true);
  const auto weak = std::weak_ptr<bool>(alive_);
  driver_.start(
      spec_, spec_.containers[i],
      [weak, this, i, answered_inline](StartResult result) {
        if (weak.expired()) return;
        started(i, std::move(result));
        if (*answered_inline) return;
        converge();
        update_task_status();
        notify();
      },
      // Known before the program runs, for the task metadata endpoint.
      [weak, this, i](const std::string& runtime_id) {
        if (!weak.expired() && starting_[i]) status_.containers[i].runtime_id = runtime_id;
      });
  *answered_inline = false;
}

void TaskRunner::started(std::size_t i, StartResult result) {
  starting_[i] = false;
  auto& c = status_.containers[i];
  if (status_.last_status == kStatusPending) status_.pull_stopped_at = now();
  if (!result.handle) {
    c.reason = std::move(result.reason);
    spdlog::warn("task {}: container {} did not start: {}", spec_.task_id, c.name, c.reason);
    finish_container(i, false);
    return;
  }
  c.runtime_id = result.handle->runtime_id;
  c.network_bindings = result.handle->network_bindings;
  c.handle = std::move(*result.handle);
  c.last_status = kStatusRunning;
  if (!c.started_at) c.started_at = now();
  watch_container(i);
  if (stopping_) {
    stop_running_containers();  // the task was told to stop while this one started
  } else {
    start_health_check(i);
  }
}

void TaskRunner::watch_container(std::size_t i) {
  // Exits are posted so that a driver reporting from inside watch() (a
  // container that exited while the agent was away) does not re-enter.
  // The runtime id tells this run of the container from a restarted one.
  auto report = [weak = std::weak_ptr<bool>(alive_), this, i, executor = executor_,
                 runtime_id = status_.containers[i].runtime_id](ExitStatus exit) {
    boost::asio::post(executor, [weak, this, i, runtime_id, exit = std::move(exit)] {
      if (weak.expired() || status_.containers[i].runtime_id != runtime_id) return;
      on_exit(i, exit);
      update_task_status();
      notify();
    });
  };
  try {
    driver_.watch(*status_.containers[i].handle, std::move(report));
  } catch (const std::exception& e) {
    status_.containers[i].reason =
        std::string("The driver cannot watch the container: ") + e.what();
    finish_container(i, false);
  }
}

void TaskRunner::start_health_check(std::size_t i) {
  const auto& spec = spec_.containers[i];
  const auto& c = status_.containers[i];
  if (!spec.health_check || !c.handle || c.last_status != kStatusRunning) return;
  if (driver_.checks_health()) {
    const std::string runtime_id = c.runtime_id;
    driver_.watch_health(*c.handle, [weak = std::weak_ptr<bool>(alive_), this, i,
                                     runtime_id](std::string health) {
      if (weak.expired()) return;
      const auto& now_running = status_.containers[i];
      // A report about a container since replaced (restarted) or stopped.
      if (now_running.runtime_id != runtime_id || now_running.last_status != kStatusRunning) return;
      on_health(i, health);
    });
    return;
  }
  checkers_[i] = std::make_unique<HealthChecker>(
      executor_, driver_, *c.handle, *spec.health_check,
      [this, i](const std::string& health) { on_health(i, health); });
  checkers_[i]->start();
}

void TaskRunner::on_exit(std::size_t i, const ExitStatus& exit) {
  auto& c = status_.containers[i];
  if (c.last_status != kStatusRunning) return;  // a second report of the same exit
  if (should_restart(i, exit.exit_code)) return restart_container(i, exit.exit_code);
  c.exit_code = exit.exit_code;
  c.reason = exit.reason.empty() && exit.oom_killed ? kOutOfMemory : exit.reason;
  finish_container(i, true);
  converge();  // COMPLETE and SUCCESS dependants may start now, or never
}

// The ECS agent's rule: restart unless the task is stopping, the exit code
// is ignored, or the container has run less than the attempt period since
// it started or was last restarted (which stops a crash loop).
bool TaskRunner::should_restart(std::size_t i, int exit_code) const {
  const auto& policy = spec_.containers[i].restart_policy;
  const auto& c = status_.containers[i];
  if (!policy || !policy->enabled || stopping_) return false;
  const auto& ignored = policy->ignored_exit_codes;
  if (std::find(ignored.begin(), ignored.end(), exit_code) != ignored.end()) return false;
  const double since = c.restarted_at ? *c.restarted_at : c.started_at.value_or(now());
  return now() - since >= static_cast<double>(policy->attempt_period.count());
}

void TaskRunner::restart_container(std::size_t i, int exit_code) {
  auto& c = status_.containers[i];
  spdlog::info("task {}: container {} exited with {}; restarting it (restart policy)",
               spec_.task_id, c.name, exit_code);
  checkers_[i].reset();
  if (c.handle) driver_.remove(*c.handle);
  c.handle.reset();
  c.health_status = kHealthUnknown;
  c.last_status = kStatusPending;
  c.restarted_at = now();
  ++c.restart_count;
  start_container(i);
}

void TaskRunner::on_health(std::size_t i, const std::string& health) {
  // The checker outlives this call: nothing here finishes container i.
  status_.containers[i].health_status = health;
  converge();  // HEALTHY dependants may start now
  update_task_status();
  notify();
}

void TaskRunner::finish_container(std::size_t i, bool ran) {
  auto& c = status_.containers[i];
  c.last_status = kStatusStopped;
  checkers_[i].reset();
  if (spec_.containers[i].essential && !stopping_) {
    stop_task(ran ? std::string(kEssentialContainerExited) : c.reason, false);
  }
}

void TaskRunner::stop_task(std::string reason, bool by_request) {
  stopping_ = true;
  status_.stopped_reason = std::move(reason);
  status_.stopped_by_request = by_request;
  for (std::size_t i = 0; i < status_.containers.size(); ++i) {
    // Never to start; one being started is stopped once it has.
    auto& c = status_.containers[i];
    if (c.last_status == kStatusPending && !starting_[i]) c.last_status = kStatusStopped;
  }
  stop_running_containers();
}

void TaskRunner::stop_running_containers() {
  for (std::size_t i = 0; i < status_.containers.size(); ++i) {
    const auto& c = status_.containers[i];
    if (c.last_status != kStatusRunning || !c.handle || stop_sent_[i]) continue;
    stop_sent_[i] = true;
    try {
      driver_.stop(*c.handle, spec_.containers[i].stop_timeout);
    } catch (const std::exception& e) {
      spdlog::warn("task {}: stopping container {} failed: {}", spec_.task_id, c.name, e.what());
    }
  }
}

void TaskRunner::update_task_status() {
  if (status_.last_status == kStatusStopped) return;
  status_.health_status = task_health_status(spec_, status_.containers);
  if (std::all_of(status_.containers.begin(), status_.containers.end(), is_stopped)) {
    status_.last_status = kStatusStopped;
    status_.execution_stopped_at = now();
    stopping_ = true;
    return;
  }
  if (status_.last_status != kStatusPending || stopping_) return;
  const bool any_essential = std::any_of(spec_.containers.begin(), spec_.containers.end(),
                                         [](const ContainerSpec& c) { return c.essential; });
  for (std::size_t i = 0; i < spec_.containers.size(); ++i) {
    if ((spec_.containers[i].essential || !any_essential) && !has_started(status_.containers[i])) {
      return;
    }
  }
  status_.last_status = kStatusRunning;
  status_.started_at = now();
}

void TaskRunner::notify() {
  if (notify_pending_ || !on_change_) return;
  notify_pending_ = true;
  boost::asio::post(executor_, [weak = std::weak_ptr<bool>(alive_), this] {
    if (weak.expired()) return;
    notify_pending_ = false;
    // Copies: the callback may destroy this runner.
    auto on_change = on_change_;
    const TaskStatus snapshot = status_;
    on_change(snapshot);
  });
}

double TaskRunner::now() const { return core::to_epoch_seconds(clock_.now()); }

}  // namespace gantry::agent
