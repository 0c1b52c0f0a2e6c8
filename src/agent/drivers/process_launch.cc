#include "agent/drivers/process_launch.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace gantry::agent::launch {
namespace {

void write_all(int fd, const void* data, size_t size) {
  auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bytes += n;
    size -= static_cast<size_t>(n);
  }
}

void write_text(int fd, const char* text) { write_all(fd, text, ::strlen(text)); }

// A fixed buffer to build short texts without allocating.
struct TextBuffer {
  char data[128] = {};
  size_t size = 0;

  void append(const char* text) {
    while (*text != '\0' && size + 1 < sizeof data) data[size++] = *text++;
    data[size] = '\0';
  }
  void append(long long value) {
    char digits[24];
    size_t count = 0;
    bool negative = value < 0;
    unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(value)
                                            : static_cast<unsigned long long>(value);
    do {
      digits[count++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    if (negative) digits[count++] = '-';
    char text[24];
    for (size_t i = 0; i < count; ++i) text[i] = digits[count - 1 - i];
    text[count] = '\0';
    append(text);
  }
};

void close_from(int first, int max_fd) {
  if (::close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  for (int fd = first; fd < max_fd; ++fd) ::close(fd);
}

// Puts sources[i] on fd i and closes every other fd from `count` up. The
// sources are first copied above the targets, so that no dup2 overwrites a
// source that is still to be placed.
bool place_fds(const int* sources, int count, int max_fd) {
  int high[8];
  for (int i = 0; i < count; ++i) {
    high[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, count);
    if (high[i] < 0) return false;
  }
  for (int i = 0; i < count; ++i)
    if (::dup2(high[i], i) < 0) return false;  // dup2 clears FD_CLOEXEC on i
  close_from(count, max_fd);
  return true;
}

// Default dispositions and an empty mask: what the agent installed or
// blocked is none of the program's business.
void reset_signals() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int signal = 1; signal < NSIG; ++signal)
    if (signal != SIGKILL && signal != SIGSTOP) ::sigaction(signal, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void ignore_signal(int signal) {
  struct sigaction action {};
  action.sa_handler = SIG_IGN;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
}

// Says on stderr (the container's stderr.log) and up the report pipe why
// the program could not run, and exits as a shell does for that.
[[noreturn]] void fail(int report_fd, Stage stage, int error, const char* what,
                       const char* subject) {
  write_text(2, "gantry: ");
  write_text(2, what);
  if (subject != nullptr) {
    write_text(2, " \"");
    write_text(2, subject);
    write_text(2, "\"");
  }
  write_text(2, ": ");
  const char* description = ::strerrordesc_np(error);
  write_text(2, description != nullptr ? description : "unknown error");
  write_text(2, "\n");
  if (report_fd >= 0) {
    Report report{Report::kFailure, static_cast<int32_t>(stage), error};
    write_all(report_fd, &report, sizeof report);
  }
  ::_exit(127);
}

}  // namespace

[[noreturn]] void run_child(const ChildPlan& plan) {
  // Leading its own group lets stop() signal everything it starts.
  ::setpgid(0, 0);
  reset_signals();
  int sources[4] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd, plan.report_fd};
  int count = plan.report_fd >= 0 ? 4 : 3;
  if (!place_fds(sources, count, plan.max_fd)) {
    int error = errno;
    if (plan.report_fd >= 0) {
      Report report{Report::kFailure, static_cast<int32_t>(Stage::kFiles), error};
      write_all(plan.report_fd, &report, sizeof report);
    }
    ::_exit(127);
  }
  int report = -1;
  if (plan.report_fd >= 0) {
    report = 3;
    ::fcntl(report, F_SETFD, FD_CLOEXEC);  // closed by exec: EOF means it ran
  }
  if (plan.cgroup_procs != nullptr) {
    // "0" is the writer itself: still single-threaded here, it moves whole.
    int fd = ::open(plan.cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(report, Stage::kCgroup, errno, "join memory cgroup", plan.cgroup_procs);
    if (::write(fd, "0", 1) < 0)
      fail(report, Stage::kCgroup, errno, "join memory cgroup", plan.cgroup_procs);
    ::close(fd);
  }
  for (size_t i = 0; i < plan.rlimit_count; ++i)
    if (::setrlimit(static_cast<__rlimit_resource_t>(plan.rlimits[i].resource),
                    &plan.rlimits[i].limit) != 0)
      fail(report, Stage::kRlimit, errno, "set ulimit", plan.rlimits[i].name);
  if (plan.user != nullptr) {
    const UserIds& user = *plan.user;
    if (user.set_groups && ::setgroups(user.groups.size(), user.groups.data()) != 0)
      fail(report, Stage::kUser, errno, "setgroups", nullptr);
    if (::setgid(user.gid) != 0) fail(report, Stage::kUser, errno, "setgid", nullptr);
    if (::setuid(user.uid) != 0) fail(report, Stage::kUser, errno, "setuid", nullptr);
  }
  // After the user switch, so that the user's permissions decide.
  if (plan.working_dir != nullptr && ::chdir(plan.working_dir) != 0)
    fail(report, Stage::kChdir, errno, "chdir to working directory", plan.working_dir);
  ::execve(plan.path, plan.argv, plan.envp);
  fail(report, Stage::kExec, errno, "exec", plan.argv[0]);
}

namespace {

// No fsync: these files must survive the agent, not the machine, whose
// crash takes the processes they describe with it.
void write_file_atomically(const char* tmp, const char* path, const char* text) {
  int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, text, ::strlen(text));
  ::close(fd);
  ::rename(tmp, path);
}


// The workload shares the shim's memory until it execs, as posix_spawn's
// child does: no page tables are copied, and the shim sleeps meanwhile
// (CLONE_VFORK), so the child may use this stack and the plan safely.
// AddressSanitizer cannot follow a child onto a borrowed stack (it warns
// into the container's stderr): sanitized builds fork instead.
#if defined(__SANITIZE_ADDRESS__)
pid_t clone_workload(ChildPlan& plan) {
  pid_t pid = ::fork();
  if (pid == 0) run_child(plan);
  return pid;
}
#else
pid_t clone_workload(ChildPlan& plan) {
  alignas(64) static char stack[64 * 1024];
  auto trampoline = [](void* arg) -> int { run_child(*static_cast<const ChildPlan*>(arg)); };
  return ::clone(trampoline, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
}
#endif

}  // namespace

[[noreturn]] void run_shim(const ShimPlan& plan) {
  ::setsid();  // no signal aimed at the agent's group or terminal reaches it
  reset_signals();
  for (int signal : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE}) ignore_signal(signal);
  // 0, 1: /dev/null; 2: stderr.log; 3: the report pipe; 4: stdout.log. The
  // rest (the agent's sockets, epoll, listening ports) must not outlive it.
  int sources[5] = {plan.devnull, plan.devnull, plan.stderr_log, plan.report, plan.stdout_log};
  if (!place_fds(sources, 5, plan.workload.max_fd)) ::_exit(126);
  ChildPlan workload = plan.workload;
  workload.stdin_fd = 0;
  workload.stdout_fd = 4;
  workload.stderr_fd = 2;
  workload.report_fd = 3;

  pid_t pid = clone_workload(workload);
  if (pid < 0) {
    Report report{Report::kFailure, static_cast<int32_t>(Stage::kFork), errno};
    write_all(3, &report, sizeof report);
    ::_exit(1);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before anyone signals it
  ::close(4);
  TextBuffer pid_text;
  pid_text.append(static_cast<long long>(pid));
  pid_text.append("\n");
  write_file_atomically(plan.pid_tmp, plan.pid_file, pid_text.data);
  // Last: the agent's start() returns at the end of this pipe.
  Report report{Report::kPid, static_cast<int32_t>(pid), 0};
  write_all(3, &report, sizeof report);
  ::close(3);

  // Wait without reaping, so that the pid (and so the group id) cannot be
  // reused while the rest of the group is killed: the container's
  // processes end with its first one.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int exit_code = 0;
  int signal = 0;
  if (WIFEXITED(status)) {
    exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    signal = WTERMSIG(status);
    exit_code = 128 + signal;  // as a shell and Docker report it
  }
  TextBuffer text;
  text.append("{\"exit_code\":");
  text.append(static_cast<long long>(exit_code));
  text.append(",\"signal\":");
  text.append(static_cast<long long>(signal));
  text.append("}\n");
  write_file_atomically(plan.exit_tmp, plan.exit_file, text.data);
  ::_exit(0);
}

}  // namespace gantry::agent::launch
