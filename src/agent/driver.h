#pragma once
// The one small interface every way of running a container implements
// (after Nomad's plugins/drivers and Mesos's Containerizer). A driver is
// driven from the agent's single io_context thread and calls back on it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/logs/log_source.h"
#include "agent/task_spec.h"

namespace gantry::agent {

// A port of a container reachable on the host, as ECS reports it.
struct NetworkBinding {
  std::string bind_ip = "0.0.0.0";
  int container_port = 0;
  int host_port = 0;
  std::string protocol = "tcp";
};

// A running (or exited) container as the driver knows it. `state` is the
// driver's own JSON: the agent persists it with the task and hands it back
// after a restart, so the driver can reattach.
struct ContainerHandle {
  std::string runtime_id;
  boost::json::object state;
  std::vector<NetworkBinding> network_bindings;  // known once started
};

struct ExitStatus {
  int exit_code = 0;
  bool oom_killed = false;
  // ECS's container `reason` when the exit was not the program's own doing,
  // e.g. "OutOfMemoryError: Container killed due to memory usage".
  std::string reason;
};

struct ExecResult {
  int exit_code = 0;
  bool timed_out = false;
  std::string output;  // the first few KiB of stdout and stderr
};

// Thrown by start() when a container cannot be started. `reason` is what
// ECS reports, e.g. "CannotStartContainerError: ...".
class DriverError : public std::runtime_error {
 public:
  explicit DriverError(const std::string& reason) : std::runtime_error(reason) {}
};

inline DriverError cannot_start(const std::string& detail) {
  return DriverError("CannotStartContainerError: " + detail);
}

// What start() ends with: the running container's handle, or why it did not
// start (ECS's reason, e.g. "CannotPullContainerError: ...").
struct StartResult {
  std::optional<ContainerHandle> handle;
  std::string reason;
};

// The StartResult of a synchronous start, its exceptions turned into reasons.
template <typename Start>
StartResult start_result_of(Start&& start) {
  try {
    return StartResult{start(), {}};
  } catch (const DriverError& e) {
    return StartResult{std::nullopt, e.what()};
  } catch (const std::exception& e) {
    return StartResult{std::nullopt, std::string("CannotStartContainerError: ") + e.what()};
  }
}

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string name() const = 0;

  // Starts the container (pulling its image first where need be) and calls
  // `done` on the executor once it runs or has failed to: before start()
  // returns when the driver starts synchronously, later when it works off
  // the executor's thread (a pull may take minutes). A driver that answers
  // later posts `created` with the runtime id as soon as the container
  // exists, before its program runs: the program may ask the task metadata
  // endpoint who it is right away.
  using OnStarted = std::function<void(StartResult)>;
  using OnCreated = std::function<void(const std::string& runtime_id)>;
  virtual void start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
                     OnCreated created = {}) = 0;

  // Calls `on_exit` once, on the agent's executor, when the container has
  // exited; at once if it already has (also after an agent restart, from
  // what the driver recorded while the agent was away).
  virtual void watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) = 0;

  // Asks the container to stop: SIGTERM (or the image's stop signal), then
  // SIGKILL once `timeout` has passed. Does not block; watch() reports the exit.
  virtual void stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) = 0;

  // Runs `argv` in the container's context (its environment, working
  // directory, user): how health checks run. Calls `done` on the executor.
  virtual void exec(const ContainerHandle& handle, std::vector<std::string> argv,
                    std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) = 0;

  // The container's output, for the agent to ship (awslogs): callable from
  // any thread, the source is read on the caller's. nullptr where the
  // driver keeps none.
  virtual std::unique_ptr<LogSource> output(const ContainerHandle& /*handle*/) { return nullptr; }

  // Frees what the container left behind (cgroups, runtime files; logs stay).
  virtual void remove(const ContainerHandle& handle) = 0;

  // Whether the driver runs containers' health checks itself (Docker
  // does); the task runner then calls watch_health() instead of exec()ing
  // the checks.
  virtual bool checks_health() const { return false; }
  // Calls `on_health` on the executor with HEALTHY or UNHEALTHY each time
  // the container's health changes, until it exits.
  virtual void watch_health(const ContainerHandle& /*handle*/,
                            std::function<void(std::string)> /*on_health*/) {}

  // Frees what the task as a whole left behind (task-scope volumes, its
  // network namespace), once its containers are removed.
  virtual void remove_task(const TaskSpec& /*task*/) {}

  // Removes containers the driver made for this container instance's tasks
  // that are not in `known_tasks` (ARNs): left by an agent that died before
  // it recorded them.
  virtual void clean_up_orphans(const std::string& /*instance_arn*/,
                                const std::set<std::string>& /*known_tasks*/) {}

  // Attributes the instance registers with for what this driver can run
  // (e.g. "ecs.capability.efs").
  virtual std::vector<std::string> capabilities() const { return {}; }

  // The task's own address (awsvpc) once its first container started; ""
  // where the task has none of its own. May block briefly.
  virtual std::string task_address(const TaskSpec& /*task*/) { return ""; }

  // The address at which the task's containers reach this machine (where
  // the agent serves the task metadata endpoint).
  virtual std::string host_address(const TaskSpec& /*task*/) const { return "127.0.0.1"; }

  // One sample of the container's resource use in Docker's stats shape
  // (cpu_stats, precpu_stats, memory_stats, ...). Blocking, may take about a
  // second, callable from any thread; nullopt when the driver cannot tell.
  virtual std::optional<boost::json::object> stats(const ContainerHandle& /*handle*/) {
    return std::nullopt;
  }
};

}  // namespace gantry::agent
