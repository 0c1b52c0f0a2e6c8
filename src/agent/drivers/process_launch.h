#pragma once
// Starting a container's processes: the shim and the workload. Everything
// here runs between fork and exec, in a copy of the multi-threaded agent
// where another thread may have held malloc's lock at the fork, so it makes
// only async-signal-safe calls on plain C data prepared before the fork.
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gantry::agent::launch {

// Who failed before the workload ran its program, sent up the report pipe.
enum class Stage : int32_t { kFork = 1, kFiles, kCgroup, kRlimit, kUser, kChdir, kExec };

struct Report {
  static constexpr int32_t kPid = 1;      // value: the workload's pid
  static constexpr int32_t kFailure = 2;  // value: the Stage, error: errno
  int32_t tag = 0;
  int32_t value = 0;
  int32_t error = 0;
};

struct ResourceLimit {
  int resource = 0;
  rlimit limit{};
  const char* name = nullptr;
};

struct UserIds {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool set_groups = false;  // setgroups(2) needs privilege
};

// What a child needs to become the program, as plain C data made before the fork.
struct ChildPlan {
  const char* path = nullptr;  // the resolved executable
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_dir = nullptr;   // nullptr: stay
  const char* cgroup_procs = nullptr;  // nullptr: no cgroup
  const ResourceLimit* rlimits = nullptr;
  size_t rlimit_count = 0;
  const UserIds* user = nullptr;  // nullptr: stay
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;  // -1: none; else it becomes fd 3, closed by a successful exec
  int max_fd = 1024;
};

// What the shim needs: the workload's plan and where to record it.
struct ShimPlan {
  ChildPlan workload;  // its fds are set by the shim
  const char* pid_file = nullptr;
  const char* pid_tmp = nullptr;
  const char* exit_file = nullptr;
  const char* exit_tmp = nullptr;
  int devnull = -1;
  int stdout_log = -1;
  int stderr_log = -1;
  int report = -1;
};

// The workload: joins its cgroup, applies its limits and user, and execs
// the program. A failure goes up the report pipe, and it exits 127.
[[noreturn]] void run_child(const ChildPlan& plan);

// The shim: starts the workload, reports its pid, waits for it and records
// how it ended in the exit file. Only SIGKILL ends it early.
[[noreturn]] void run_shim(const ShimPlan& plan);

// fork() with every signal blocked, so that none of the agent's handlers
// runs in the child before it resets them.
template <class Child>
pid_t fork_child(Child&& child) {
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) child();  // never returns
  int error = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = error;
  return pid;
}

}  // namespace gantry::agent::launch
