#pragma once
// Runs one task: converges its containers to RUNNING or STOPPED through a
// Driver and reports every change. Lives on the agent's single executor;
// nothing here is thread-safe, nor needs to be.
//
// The rules, as the ECS agent's:
// - A container starts once every dependsOn condition holds: START (the
//   dependency has started), COMPLETE (it has stopped, for whatever reason),
//   SUCCESS (it exited 0), HEALTHY (it is running and HEALTHY). A condition
//   that can no longer hold (a START dependency that stopped without
//   running, a SUCCESS dependency that exited otherwise, a HEALTHY
//   dependency that stopped or has no health check) stops the waiting
//   container unstarted with reason "DependencyConditionNotMet". Containers
//   are tried in definition order.
// - The task is RUNNING once every essential container has started (every
//   container, when none is essential), so a task whose app waits for an
//   init container to COMPLETE stays PENDING until the app runs.
// - When an essential container stops, the others are stopped with their
//   own stop_timeout. stopped_reason is "Essential container in task exited"
//   when it ran; when it never ran, its own reason: the driver's error
//   ("CannotStartContainerError: ...", as ECS reports pull and start
//   failures) or "DependencyConditionNotMet". Non-essential containers stop
//   alone. The task is STOPPED once every container is.
// - pull_started_at is taken before the first Driver::start (which pulls)
//   and pull_stopped_at after each start while the task is PENDING.
// - Driver::start may answer later (Docker pulls and starts off the
//   agent's thread): the container stays PENDING meanwhile, a stop lets it
//   finish starting and then stops it, and the task is STOPPED only once
//   every container is.
// - Exits arrive through Driver::watch; running containers with a health
//   check have a HealthChecker until they exit, or the driver's own checks
//   (Driver::checks_health).
// - A container with an enabled restartPolicy is started again in place
//   when it exits (see should_restart); the task never notices.
// - on_change is posted to the executor after changes; changes made in one
//   handler are reported together, with the status as it is when it runs.
// - A runner built from a recovered status reattaches (watch, health checks)
//   to the containers that were RUNNING, starts the PENDING ones when their
//   dependencies allow, resumes a stop that was under way, and does nothing
//   for a task already STOPPED. Destroying a runner leaves its containers
//   running (the agent may be restarting) and silences late callbacks.
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/health_checker.h"
#include "agent/task_spec.h"
#include "agent/task_status.h"
#include "core/clock.h"

namespace gantry::agent {

inline constexpr const char* kEssentialContainerExited = "Essential container in task exited";
inline constexpr const char* kDependencyConditionNotMet = "DependencyConditionNotMet";
inline constexpr const char* kStoppedByUser = "Task stopped by user";
inline constexpr const char* kOutOfMemory =
    "OutOfMemoryError: Container killed due to memory usage";

class TaskRunner {
 public:
  using OnChange = std::function<void(const TaskStatus&)>;

  TaskRunner(boost::asio::any_io_executor executor, Driver& driver, TaskSpec spec,
             OnChange on_change, const core::Clock& clock,
             std::optional<TaskStatus> recovered = std::nullopt);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // Desired RUNNING: starts what can start. Once only; later calls do nothing.
  void start();
  // Desired STOPPED: stops every running container with its stop_timeout
  // and never starts the others. The first reason given is kept (empty:
  // kStoppedByUser); a task already stopping keeps its own.
  void stop(std::string reason);

  const TaskStatus& status() const { return status_; }
  const TaskSpec& spec() const { return spec_; }

 private:
  enum class Condition { kMet, kWaiting, kNever };

  Condition dependency_state(const ContainerDependency& dependency) const;
  void attach_recovered();
  void converge();
  void start_container(std::size_t i);
  void started(std::size_t i, StartResult result);
  void watch_container(std::size_t i);
  void start_health_check(std::size_t i);
  void on_exit(std::size_t i, const ExitStatus& exit);
  void on_health(std::size_t i, const std::string& health);
  bool should_restart(std::size_t i, int exit_code) const;
  void restart_container(std::size_t i, int exit_code);
  void finish_container(std::size_t i, bool ran);
  void stop_task(std::string reason, bool by_request);
  void stop_running_containers();
  void update_task_status();
  void notify();
  double now() const;

  boost::asio::any_io_executor executor_;
  Driver& driver_;
  TaskSpec spec_;
  OnChange on_change_;
  const core::Clock& clock_;
  TaskStatus status_;  // containers in spec_ order
  std::vector<std::unique_ptr<HealthChecker>> checkers_;
  std::vector<bool> stop_sent_;
  std::vector<bool> starting_;  // Driver::start() under way
  bool attached_ = false;
  bool started_ = false;
  bool stopping_ = false;
  bool notify_pending_ = false;
  // Expires with the runner; callbacks hold a weak_ptr to it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gantry::agent
