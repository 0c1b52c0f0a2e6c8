#include "agent/gpu/gpu_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>

#include "agent/logs/log_event_builder.h"

extern char** environ;

namespace gantry::agent::gpu {

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string errno_text(int error) { return std::strerror(error); }

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The last `limit` bytes, less the rest of a character cut in two.
std::string_view cut_front(std::string_view bytes, size_t limit) {
  if (bytes.size() <= limit) return bytes;
  bytes.remove_prefix(bytes.size() - limit);
  for (int i = 0; i < 3 && !bytes.empty() && continuation_byte(bytes.front()); ++i) {
    bytes.remove_prefix(1);
  }
  return bytes;
}

// The end of what a command writes, without holding all of it.
class Tail {
 public:
  explicit Tail(size_t limit) : keep_(limit + kSlack) {}
  void add(const char* data, size_t size) {
    bytes_.append(data, size);
    if (bytes_.size() > 2 * keep_) bytes_.erase(0, bytes_.size() - keep_);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  static constexpr size_t kSlack = 16;  // room to cut at a character's start later
  size_t keep_;
  std::string bytes_;
};

// Reads what the pipe holds now; false at its end.
bool drain(int fd, Tail& tail) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      tail.add(buffer, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && errno == EAGAIN;
    }
  }
}

// The agent's environment with `overrides` set over it, as execve takes it.
class Environment {
 public:
  explicit Environment(const std::vector<std::pair<std::string, std::string>>& overrides) {
    std::set<std::string, std::less<>> names;
    for (const auto& [name, value] : overrides) names.insert(name);
    for (char** entry = environ; *entry; ++entry) {
      std::string_view text(*entry);
      if (!names.contains(text.substr(0, text.find('=')))) entries_.emplace_back(text);
    }
    for (const auto& [name, value] : overrides) entries_.push_back(name + "=" + value);
    for (auto& entry : entries_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char* const* envp() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

struct Spawned {
  pid_t pid = -1;
  std::string error;
};

// A process group of its own, so that a kill reaches what the shell started;
// the signals the agent handles are the default again in the child.
Spawned spawn_shell(const std::string& command, char* const* envp, int output_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  for (int signal : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) sigaddset(&signals, signal);
  posix_spawnattr_setsigdefault(&attributes, &signals);
  std::string shell = "/bin/sh", flag = "-c", text = command;
  char* argv[] = {shell.data(), flag.data(), text.data(), nullptr};
  Spawned spawned;
  int code = ::posix_spawn(&spawned.pid, shell.c_str(), &actions, &attributes, argv, envp);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (code != 0) {
    spawned.pid = -1;
    spawned.error = "cannot start /bin/sh: " + errno_text(code);
  }
  return spawned;
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::string output_tail(std::string_view bytes, size_t limit) {
  std::string text = valid_utf8(cut_front(bytes, limit));
  // A replacement character is longer than the byte it replaced.
  if (text.size() > limit) text = std::string(cut_front(text, limit));
  return text;
}

GpuCommandResult run_gpu_command(const std::string& command,
                                 const std::vector<std::pair<std::string, std::string>>& environment,
                                 std::chrono::milliseconds timeout, size_t output_limit,
                                 int cancel_fd) {
  GpuCommandResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.error = "cannot make a pipe: " + errno_text(errno);
    return result;
  }
  Fd output(pipe_fds[0]);
  Fd output_write(pipe_fds[1]);
  // Only the agent's end: the command writes as it would to a terminal.
  ::fcntl(output.get(), F_SETFL, O_NONBLOCK);
  Environment env(environment);
  Spawned spawned = spawn_shell(command, env.envp(), output_write.get());
  if (spawned.pid < 0) {
    result.error = spawned.error;
    return result;
  }
  output_write.reset();
  const pid_t pid = spawned.pid;
  Fd exited_fd(pidfd_open(pid));
  if (!exited_fd) {
    result.error = "cannot watch the command: " + errno_text(errno);
    ::kill(-pid, SIGKILL);
    wait_status(pid);
    return result;
  }

  Tail tail(output_limit);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool exited = false;
  while (!exited && !result.cancelled && result.error.empty()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline -
                                                             std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3] = {{output.get(), POLLIN, 0}, {exited_fd.get(), POLLIN, 0}, {cancel_fd, POLLIN, 0}};
    if (::poll(fds, 3, static_cast<int>(std::min<int64_t>(left.count(), INT_MAX))) < 0) {
      if (errno != EINTR) result.error = "cannot wait for the command: " + errno_text(errno);
      continue;
    }
    if (fds[0].revents != 0 && !drain(output.get(), tail)) output.reset();  // its end: -1 is skipped
    if (fds[1].revents != 0) exited = true;
    if (fds[2].revents != 0) result.cancelled = true;
  }
  // The group's id is the leader's pid, ours until it is reaped: no reuse.
  if (!exited) ::kill(-pid, SIGKILL);
  int status = wait_status(pid);
  // What is left; a process the command left behind may hold the pipe open.
  if (output) drain(output.get(), tail);
  if (exited) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  result.output = output_tail(tail.bytes(), output_limit);
  return result;
}

}  // namespace gantry::agent::gpu
