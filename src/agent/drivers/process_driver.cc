#include "agent/drivers/process_driver.h"

#include "agent/drivers/process_identity.h"
#include "agent/drivers/process_launch.h"
#include "agent/drivers/process_runtime_state.h"
#include "agent/drivers/process_stats.h"
#include "agent/logs/file_log_source.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

namespace gantry::agent {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
using launch::ChildPlan;
using launch::Report;
using launch::ResourceLimit;
using launch::ShimPlan;
using launch::Stage;
using launch::UserIds;

constexpr const char* kLostShimReason =
    "CannotInspectContainerError: the container's supervisor exited without recording its exit";
constexpr const char* kOomReason = "OutOfMemoryError: Container killed due to memory usage";
constexpr int kLostShimExitCode = 255;

std::string errno_text(int error) { return std::generic_category().message(error); }


// ---------------------------------------------------------------------------
// The agent's side.

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

Fd open_file(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
  return Fd(fd);
}

std::pair<Fd, Fd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  return {Fd(fds[0]), Fd(fds[1])};
}

// argv or envp as execve wants them. Not copyable: the pointers point into
// the strings.
class CStrings {
 public:
  explicit CStrings(std::vector<std::string> strings) : strings_(std::move(strings)) {
    for (auto& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  CStrings(const CStrings&) = delete;
  CStrings& operator=(const CStrings&) = delete;
  char* const* get() const { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

int max_fd() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > 65536)
    return 65536;
  return static_cast<int>(limit.rlim_cur);
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Reaps `pid` if it is our child and has exited (after an agent restart it
// is not: ECHILD, nothing to do).
void reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
  }
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void check_path_segment(const std::string& name, const std::string& what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos)
    throw cannot_start("invalid " + what + " '" + name + "'");
}

std::optional<std::string> resolve_executable(const std::string& name,
                                              const std::string& search_path) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return name;
  std::istringstream dirs(search_path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
  }
  return std::nullopt;
}

std::string not_found(const std::string& name) {
  return "exec: \"" + name + "\": executable file not found in $PATH";
}

// Fills the parts of a ChildPlan that come from a ProgramContext; the
// strings must outlive the fork.
ChildPlan child_plan(const ProgramContext& program, const std::string& executable,
                     const CStrings& argv, const CStrings& envp, const std::string& cgroup_procs) {
  ChildPlan plan;
  plan.path = executable.c_str();
  plan.argv = argv.get();
  plan.envp = envp.get();
  plan.working_dir = program.working_dir.empty() ? nullptr : program.working_dir.c_str();
  plan.cgroup_procs = cgroup_procs.empty() ? nullptr : cgroup_procs.c_str();
  plan.user = program.user ? &*program.user : nullptr;
  plan.max_fd = max_fd();
  return plan;
}

// The file a process writes to join a group. On v1 it is `tasks`: a thread
// moving itself there skips the global lock that a write to cgroup.procs
// takes, whose RCU grace period costs milliseconds per container (8 ms at
// the median on the development machine, against 0.04 ms). v2 has no such
// way; clone3's CLONE_INTO_CGROUP would be its equivalent.
std::string procs_file(const fs::path& cgroup, int version) {
  if (cgroup.empty()) return {};
  return (cgroup / (version == 1 ? "tasks" : "cgroup.procs")).string();
}

void remove_runtime_files(const fs::path& dir) {
  std::error_code ignored;
  for (const char* name : {"pid", "pid.tmp", "exit", "exit.tmp"})
    fs::remove(dir / name, ignored);
}

// Reads the report pipe to its end: EOF comes once the shim has reported
// and the workload has exec'd or died.
std::vector<Report> read_reports(int fd) {
  std::string bytes;
  char buffer[256];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      bytes.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  std::vector<Report> reports(bytes.size() / sizeof(Report));
  if (!reports.empty()) std::memcpy(reports.data(), bytes.data(), reports.size() * sizeof(Report));
  return reports;
}

std::string describe_failure(const Report& failure, const ContainerSpec& container,
                             const std::string& program, const fs::path& cgroup) {
  std::string error = errno_text(failure.error);
  switch (static_cast<Stage>(failure.value)) {
    case Stage::kFork:
      return "cannot fork the container's process: " + error;
    case Stage::kFiles:
      return "cannot set up the container's files: " + error;
    case Stage::kCgroup:
      return "cannot join the memory cgroup " + cgroup.string() + ": " + error;
    case Stage::kRlimit:
      return "cannot apply the container's ulimits: " + error;
    case Stage::kUser:
      return "cannot run as user \"" + container.user + "\": " + error;
    case Stage::kChdir:
      return "chdir to working directory \"" + container.working_directory + "\": " + error;
    case Stage::kExec:
      return "exec: \"" + program + "\": " + error;
  }
  return "the container's process failed to start: " + error;
}

struct RecordedExit {
  int exit_code = 0;
  int signal = 0;
};

std::optional<RecordedExit> read_exit(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  try {
    return RecordedExit{static_cast<int>(value.at("exit_code").to_number<int64_t>()),
                        static_cast<int>(value.at("signal").to_number<int64_t>())};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

ExitStatus collect_exit(const RuntimeState& state, const CgroupMemory& cgroups) {
  if (is_process(state.shim_pid, state.shim_start)) reap(state.shim_pid);
  auto recorded = read_exit(state.exit_file());
  if (!recorded) {
    // Nothing supervises the workload any more; it would run untracked.
    if (is_process(state.pid, state.start)) ::kill(-state.pgid, SIGKILL);
    return ExitStatus{kLostShimExitCode, false, kLostShimReason};
  }
  ExitStatus status{recorded->exit_code, false, ""};
  if (cgroups.oom_killed(state.program.cgroup, recorded->signal == SIGKILL)) {
    status.oom_killed = true;
    status.reason = kOomReason;
  }
  return status;
}

struct WatchOperation final : ProcessDriver::Operation {
  WatchOperation(const asio::any_io_executor& executor, int pidfd) : shim(executor, pidfd) {}
  void cancel() override {
    boost::system::error_code ignored;
    shim.close(ignored);
  }
  asio::posix::stream_descriptor shim;
};

struct StopOperation final : ProcessDriver::Operation {
  explicit StopOperation(const asio::any_io_executor& executor) : timer(executor) {}
  void cancel() override { timer.cancel(); }
  asio::steady_timer timer;
};

struct ExecOperation final : ProcessDriver::Operation {
  ExecOperation(const asio::any_io_executor& executor, pid_t child, int pidfd, int output_fd,
                std::function<void(ExecResult)> on_done)
      : process(executor, pidfd),
        output(executor, output_fd),
        timer(executor),
        pid(child),
        done(std::move(on_done)) {}

  void cancel() override {
    if (finished) return;
    finished = true;
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    close();
  }

  void close() {
    boost::system::error_code ignored;
    timer.cancel();
    process.close(ignored);
    output.close(ignored);
  }

  // Reads what the pipe holds now; false once it reached its end.
  bool drain() {
    char buffer[4096];
    while (true) {
      ssize_t n = ::read(output.native_handle(), buffer, sizeof buffer);
      if (n > 0) {
        size_t room = kExecOutputLimit - std::min(kExecOutputLimit, result.output.size());
        result.output.append(buffer, std::min(room, static_cast<size_t>(n)));
        continue;  // past the limit, read on and drop: a full pipe would block the command
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }

  asio::posix::stream_descriptor process;
  asio::posix::stream_descriptor output;
  asio::steady_timer timer;
  pid_t pid;
  std::function<void(ExecResult)> done;
  ExecResult result;
  bool finished = false;
};

void read_exec_output(const std::shared_ptr<ExecOperation>& operation) {
  operation->output.async_wait(asio::posix::stream_descriptor::wait_read,
                               [operation](const boost::system::error_code& ec) {
                                 if (ec || operation->finished) return;
                                 if (operation->drain()) read_exec_output(operation);
                               });
}

}  // namespace

ProcessDriver::ProcessDriver(asio::any_io_executor executor, fs::path state_dir,
                             CgroupMemory cgroups)
    : executor_(std::move(executor)),
      state_dir_(std::move(state_dir)),
      cgroups_(std::move(cgroups)) {}

ProcessDriver::~ProcessDriver() {
  for (const auto& weak : operations_)
    if (auto operation = weak.lock()) operation->cancel();
}

void ProcessDriver::track(const std::shared_ptr<Operation>& operation) {
  std::erase_if(operations_, [](const auto& weak) { return weak.expired(); });
  operations_.push_back(operation);
}

void ProcessDriver::cancel_stop(const std::string& runtime_id) {
  auto found = stop_timers_.find(runtime_id);
  if (found == stop_timers_.end()) return;
  found->second->cancel();
  stop_timers_.erase(found);
}

ContainerHandle ProcessDriver::start_now(const TaskSpec& task, const ContainerSpec& container) {
  std::vector<std::string> args = container.entry_point;
  args.insert(args.end(), container.command.begin(), container.command.end());
  if (args.empty())
    throw cannot_start("container " + container.name + " has no entryPoint or command to run");
  check_path_segment(task.task_id, "task id");
  check_path_segment(container.name, "container name");

  ProgramContext program = program_context(container);
  auto executable = resolve_executable(args[0], program.search_path);
  if (!executable) throw cannot_start(not_found(args[0]));
  std::vector<ResourceLimit> rlimits = resolve_ulimits(container.ulimits);

  fs::path dir = state_dir_ / task.task_id / container.name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw cannot_start("cannot create " + dir.string() + ": " + ec.message());
  remove_runtime_files(dir);  // an earlier run's, if any

  Fd stdout_log, stderr_log, devnull;
  try {
    stdout_log = open_file(dir / "stdout.log", O_WRONLY | O_CREAT | O_APPEND);
    stderr_log = open_file(dir / "stderr.log", O_WRONLY | O_CREAT | O_APPEND);
    devnull = open_file("/dev/null", O_RDWR);
  } catch (const std::system_error& e) {
    throw cannot_start(e.what());
  }

  constexpr int64_t kMiB = 1024 * 1024;
  MemoryLimits task_limits;
  if (task.memory_mib) task_limits.hard_bytes = *task.memory_mib * kMiB;
  MemoryLimits container_limits;
  if (container.memory_mib) container_limits.hard_bytes = *container.memory_mib * kMiB;
  if (container.memory_reservation_mib)
    container_limits.soft_bytes = *container.memory_reservation_mib * kMiB;
  try {
    program.cgroup = cgroups_.create(task.task_id, container.name, task_limits, container_limits);
  } catch (const std::exception& e) {
    throw cannot_start(std::string("cannot create the memory cgroup: ") + e.what());
  }

  try {
    auto [report_read, report_write] = make_pipe();
    CStrings argv(args);
    CStrings envp(program.environment);
    std::string cgroup_procs = procs_file(program.cgroup, cgroups_.version());
    std::string pid_file = (dir / "pid").string(), pid_tmp = (dir / "pid.tmp").string();
    std::string exit_file = (dir / "exit").string(), exit_tmp = (dir / "exit.tmp").string();

    ShimPlan plan;
    plan.workload = child_plan(program, *executable, argv, envp, cgroup_procs);
    plan.workload.rlimits = rlimits.data();
    plan.workload.rlimit_count = rlimits.size();
    plan.pid_file = pid_file.c_str();
    plan.pid_tmp = pid_tmp.c_str();
    plan.exit_file = exit_file.c_str();
    plan.exit_tmp = exit_tmp.c_str();
    plan.devnull = devnull.get();
    plan.stdout_log = stdout_log.get();
    plan.stderr_log = stderr_log.get();
    plan.report = report_write.get();

    pid_t shim = launch::fork_child([&plan] { launch::run_shim(plan); });
    if (shim < 0) throw cannot_start("cannot fork: " + errno_text(errno));
    report_write.reset();

    std::optional<pid_t> pid;
    std::optional<Report> failure;
    for (const Report& report : read_reports(report_read.get())) {
      if (report.tag == Report::kPid) pid = report.value;
      if (report.tag == Report::kFailure && !failure) failure = report;
    }
    if (failure || !pid) {
      while (::waitpid(shim, nullptr, 0) < 0 && errno == EINTR) {
      }
      throw cannot_start(failure ? describe_failure(*failure, container, args[0], program.cgroup)
                                : "the container's supervisor died before starting it");
    }

    RuntimeState state;
    state.shim_pid = shim;
    state.shim_start = process_start_time(shim).value_or(0);  // a zombie of ours at worst
    state.pid = *pid;
    state.pgid = *pid;
    // 0 when the workload has already come and gone: it then matches nothing.
    state.start = process_start_time(*pid).value_or(0);
    state.dir = dir;
    state.stop_timeout_ms = container.stop_timeout.count();
    state.program = std::move(program);

    ContainerHandle handle{task.task_id + "-" + container.name, runtime_state_to_json(state)};
    if (task.network_mode != "awsvpc" && task.network_mode != "none") {
      // The process binds its ports on the host itself: no NAT maps them.
      for (const auto& m : container.port_mappings) {
        handle.network_bindings.push_back({"0.0.0.0", m.container_port, m.container_port, m.protocol});
      }
    }
    spdlog::debug("started container {} (pid {}, shim {})", handle.runtime_id, state.pid,
                  state.shim_pid);
    return handle;
  } catch (...) {
    cgroups_.remove(program.cgroup);
    remove_runtime_files(dir);
    throw;
  }
}

void ProcessDriver::watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) {
  RuntimeState state;
  try {
    state = runtime_state_from_json(handle.state);
  } catch (const std::exception& e) {
    asio::post(executor_, [on_exit = std::move(on_exit), what = std::string(e.what())] {
      on_exit(ExitStatus{kLostShimExitCode, false,
                         "CannotInspectContainerError: unreadable driver state: " + what});
    });
    return;
  }
  std::weak_ptr<int> alive = alive_;
  auto report = [this, alive, state, id = handle.runtime_id, on_exit = std::move(on_exit)] {
    if (alive.expired()) return;
    cancel_stop(id);
    ExitStatus status = collect_exit(state, cgroups_);
    asio::post(executor_, [on_exit, status] { on_exit(status); });
  };

  // A pidfd follows any process, not only our children: after an agent
  // restart the shim is init's. The start time check guards against a
  // reused pid.
  Fd pidfd(pidfd_open(state.shim_pid));
  if (!pidfd || !is_process(state.shim_pid, state.shim_start)) {
    asio::post(executor_, std::move(report));
    return;
  }
  auto operation = std::make_shared<WatchOperation>(executor_, pidfd.release());
  track(operation);
  operation->shim.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [operation, report = std::move(report)](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        operation->cancel();  // closes the pidfd
        report();
      });
}

void ProcessDriver::stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) {
  RuntimeState state;
  try {
    state = runtime_state_from_json(handle.state);
  } catch (const std::exception& e) {
    spdlog::warn("cannot stop container {}: {}", handle.runtime_id, e.what());
    return;
  }
  if (!state.workload_alive()) return;
  ::kill(-state.pgid, SIGTERM);

  cancel_stop(handle.runtime_id);
  auto operation = std::make_shared<StopOperation>(executor_);
  stop_timers_[handle.runtime_id] = operation;
  track(operation);
  operation->timer.expires_after(timeout);
  operation->timer.async_wait([this, alive = std::weak_ptr<int>(alive_), operation, state,
                               id = handle.runtime_id](const boost::system::error_code& ec) {
    if (ec) return;
    if (state.workload_alive()) ::kill(-state.pgid, SIGKILL);
    if (alive.expired()) return;
    auto found = stop_timers_.find(id);
    if (found != stop_timers_.end() && found->second == operation) stop_timers_.erase(found);
  });
}

void ProcessDriver::exec(const ContainerHandle& handle, std::vector<std::string> argv,
                         std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) {
  auto refuse = [&](int exit_code, std::string why) {
    asio::post(executor_, [done = std::move(done), exit_code, why = std::move(why)] {
      done(ExecResult{exit_code, false, why});
    });
  };
  RuntimeState state;
  try {
    state = runtime_state_from_json(handle.state);
  } catch (const std::exception& e) {
    return refuse(126, std::string("unreadable driver state: ") + e.what());
  }
  if (argv.empty()) return refuse(126, "no command to run");
  if (!state.workload_alive())
    return refuse(126, "container " + handle.runtime_id + " is not running");
  auto executable = resolve_executable(argv[0], state.program.search_path);
  if (!executable) return refuse(127, not_found(argv[0]));

  try {
    auto [output_read, output_write] = make_pipe();
    if (::fcntl(output_read.get(), F_SETFL, O_NONBLOCK) != 0)
      throw std::system_error(errno, std::generic_category(), "fcntl");
    Fd devnull = open_file("/dev/null", O_RDONLY);
    CStrings args(std::move(argv));
    CStrings envp(state.program.environment);
    std::string cgroup_procs = procs_file(state.program.cgroup, cgroups_.version());
    ChildPlan plan = child_plan(state.program, *executable, args, envp, cgroup_procs);
    plan.stdin_fd = devnull.get();
    plan.stdout_fd = output_write.get();
    plan.stderr_fd = output_write.get();

    pid_t pid = launch::fork_child([&plan] { launch::run_child(plan); });
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
    ::setpgid(pid, pid);  // also here, so that a timeout finds the group
    output_write.reset();
    Fd pidfd(pidfd_open(pid));
    if (!pidfd) {
      int error = errno;
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      throw std::system_error(error, std::generic_category(), "pidfd_open");
    }

    auto operation = std::make_shared<ExecOperation>(executor_, pid, pidfd.release(),
                                                     output_read.release(), std::move(done));
    track(operation);
    read_exec_output(operation);
    operation->timer.expires_after(timeout);
    operation->timer.async_wait([operation](const boost::system::error_code& ec) {
      if (ec || operation->finished) return;
      operation->result.timed_out = true;
      ::kill(-operation->pid, SIGKILL);  // the pid is ours until reaped: no reuse
    });
    operation->process.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [operation, executor = executor_](const boost::system::error_code& ec) {
          if (ec == asio::error::operation_aborted || operation->finished) return;
          int status = 0;
          while (::waitpid(operation->pid, &status, 0) < 0 && errno == EINTR) {
          }
          operation->drain();  // what is left; a background child may hold the pipe open
          operation->finished = true;
          operation->close();
          ExecResult result = std::move(operation->result);
          result.exit_code = result.timed_out ? kExecTimedOutExitCode : decode_wait_status(status);
          asio::post(executor, [done = std::move(operation->done), result = std::move(result)] {
            done(result);
          });
        });
  } catch (const std::exception& e) {
    return refuse(126, std::string("cannot run the command: ") + e.what());
  }
}

std::unique_ptr<LogSource> ProcessDriver::output(const ContainerHandle& handle) {
  // The workload writes its files itself; they outlive it.
  return std::make_unique<FileLogSource>(runtime_state_from_json(handle.state).dir);
}

void ProcessDriver::remove(const ContainerHandle& handle) {
  cancel_stop(handle.runtime_id);
  RuntimeState state;
  try {
    state = runtime_state_from_json(handle.state);
  } catch (const std::exception& e) {
    spdlog::warn("cannot remove container {}: {}", handle.runtime_id, e.what());
    return;
  }
  if (is_process(state.shim_pid, state.shim_start)) reap(state.shim_pid);
  cgroups_.remove(state.program.cgroup);
  remove_runtime_files(state.dir);
}

std::optional<json::object> ProcessDriver::stats(const ContainerHandle& handle) {
  try {
    RuntimeState state = runtime_state_from_json(handle.state);
    if (!state.workload_alive()) return std::nullopt;
    return process_stats(state.pid, state.program.cgroup, cgroups_.version());
  } catch (const std::exception& e) {
    spdlog::debug("no stats for container {}: {}", handle.runtime_id, e.what());
    return std::nullopt;
  }
}

}  // namespace gantry::agent
