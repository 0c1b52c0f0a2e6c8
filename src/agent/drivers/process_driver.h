#pragma once
// Runs containers as plain processes: the node agent's default where no
// Docker engine exists. No image, no namespaces; the container is its
// argv, environment, working directory, user, ulimits and a memory cgroup.
//
// Each container gets a shim: a forked copy of the agent, in its own
// session, that forks the workload, waits for it and records its exit in a
// file. The shim outlives an agent restart and the file outlives the shim,
// so a new agent reattaches from the handle's state alone:
//
//   <state_dir>/<task_id>/<container>/
//     stdout.log, stderr.log   the container's output (appended; kept by remove())
//     pid                      the workload's pid, written by the shim
//     exit                     {"exit_code":N,"signal":S}, written atomically by the shim
//
// The workload leads its own process group: stop() signals the group, and
// the shim kills what is left of it when the workload exits, as a
// container's processes die with its first one.
#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/cgroup_memory.h"

namespace gantry::agent {

// The PATH a container gets when its environment sets none (Docker's).
inline constexpr const char* kDefaultContainerPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// exec() reports this exit code for a command killed at its timeout, as
// Docker reports a health check that exceeded its timeout.
inline constexpr int kExecTimedOutExitCode = -1;
// How much of an exec's output (stdout and stderr together) is kept.
inline constexpr size_t kExecOutputLimit = 4096;

class ProcessDriver final : public Driver {
 public:
  // All calls come from the thread running `executor`; callbacks are posted
  // on it.
  ProcessDriver(boost::asio::any_io_executor executor, std::filesystem::path state_dir,
                CgroupMemory cgroups);
  ~ProcessDriver() override;
  ProcessDriver(const ProcessDriver&) = delete;
  ProcessDriver& operator=(const ProcessDriver&) = delete;

  std::string name() const override { return "process"; }

  // Returns once the workload has exec'd; throws DriverError with a
  // "CannotStartContainerError: ..." reason when it cannot (no such program,
  // unknown user, bad working directory, no cgroup, ...).
  ContainerHandle start_now(const TaskSpec& task, const ContainerSpec& container);
  // start_now(), reported to `done` before it returns.
  void start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
             OnCreated = {}) override {
    done(start_result_of([&] { return start_now(task, container); }));
  }

  // Reports the exit the shim recorded. A shim that is gone without a
  // record (killed) is reported as exit code 255 with a
  // CannotInspectContainerError reason, and its workload is killed.
  void watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) override;

  // SIGTERM to the workload's process group, SIGKILL after `timeout`.
  void stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) override;

  // Runs `argv` with the container's environment, working directory, user
  // and cgroup (not its ulimits: the agent's apply). A command killed at `timeout` reports
  // timed_out and kExecTimedOutExitCode; one that cannot run reports 126 or 127 with the reason as
  // output, as a shell would.
  void exec(const ContainerHandle& handle, std::vector<std::string> argv,
            std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) override;

  // Reaps the shim, removes the cgroup (killing leftovers) and the runtime
  // files; the logs stay.
  std::unique_ptr<LogSource> output(const ContainerHandle& handle) override;
  void remove(const ContainerHandle& handle) override;

  // Docker's stats shape from the cgroup and /proc (drivers/process_stats.h);
  // callable from any thread; nullopt once the workload has exited.
  std::optional<boost::json::object> stats(const ContainerHandle& handle) override;

  const CgroupMemory& cgroups() const { return cgroups_; }

  // Something in flight that the destructor cancels: a watch, an exec or a
  // stop's escalation timer.
  struct Operation {
    virtual ~Operation() = default;
    virtual void cancel() = 0;
  };

 private:
  void track(const std::shared_ptr<Operation>& operation);
  void cancel_stop(const std::string& runtime_id);

  boost::asio::any_io_executor executor_;
  std::filesystem::path state_dir_;
  CgroupMemory cgroups_;
  std::vector<std::weak_ptr<Operation>> operations_;
  std::map<std::string, std::shared_ptr<Operation>> stop_timers_;
  // Handlers hold a weak_ptr to this: expired once the driver is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace gantry::agent
