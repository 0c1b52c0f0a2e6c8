// The process driver against real processes: exit codes, environment,
// files, stop escalation, reattaching after an agent restart, health-check
// exec, ulimits and memory limits through cgroups (the groups themselves:
// cgroup_memory_test.cc).
#include "agent/drivers/process_driver.h"

#include "agent/process_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "poll_until.h"

namespace gantry::agent {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

pid_t state_pid(const ContainerHandle& handle, const char* key) {
  return static_cast<pid_t>(handle.state.at(key).to_number<int64_t>());
}

fs::path state_dir_of(const ContainerHandle& handle) {
  return std::string(handle.state.at("dir").as_string());
}

// Children of this process that exited and were not reaped.
int zombie_children() {
  int count = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file(entry.path() / "stat");
    size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) continue;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    if (parent == ::getpid() && state == "Z") ++count;
  }
  return count;
}

// Whether `pid` has died (a zombie counts: init here need not reap orphans).
bool is_dead(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t name_end = stat.rfind(')');
  return name_end == std::string::npos || stat.compare(name_end, 3, ") Z") == 0;
}

using gantry::testing::poll_until;

class ProcessDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = "/tmp/gantry-driver-test-XXXXXX";
    ASSERT_NE(mkdtemp(name.data()), nullptr);
    dir_ = name;
    task_.task_id = "t" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
    driver_ = make_driver();
  }

  // Kills whatever a failed test left running, reaps the shims, removes
  // the cgroups and the files.
  void TearDown() override {
    for (const auto& handle : handles_) {
      if (!fs::exists(state_dir_of(handle) / "exit")) ::kill(-state_pid(handle, "pgid"), SIGKILL);
      pid_t shim = state_pid(handle, "shim_pid");
      poll_until([shim] { return ::waitpid(shim, nullptr, WNOHANG) != 0; }, 2000ms);
      driver_->remove(handle);
    }
    driver_.reset();
    EXPECT_EQ(zombie_children(), 0);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::unique_ptr<ProcessDriver> make_driver() {
    return std::make_unique<ProcessDriver>(io_.get_executor(), dir_, detected_cgroups());
  }

  ContainerSpec container(std::vector<std::string> command, std::string name = "app") {
    ContainerSpec spec;
    spec.name = std::move(name);
    spec.command = std::move(command);
    return spec;
  }

  ContainerHandle start(const ContainerSpec& spec) {
    ContainerHandle handle = driver_->start_now(task_, spec);
    handles_.push_back(handle);
    return handle;
  }

  // Runs the io_context until `done` or `limit`.
  void run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(5ms);
    }
  }

  std::optional<ExitStatus> wait_exit(ProcessDriver& driver, const ContainerHandle& handle,
                                      std::chrono::milliseconds limit = 1500ms) {
    auto result = std::make_shared<std::optional<ExitStatus>>();
    driver.watch(handle, [result](ExitStatus status) { *result = status; });
    run_until([&] { return result->has_value(); }, limit);
    return *result;
  }

  std::optional<ExitStatus> run_to_exit(const ContainerSpec& spec) {
    return wait_exit(*driver_, start(spec));
  }

  std::optional<ExecResult> exec(const ContainerHandle& handle, std::vector<std::string> argv,
                                 std::chrono::milliseconds timeout) {
    auto result = std::make_shared<std::optional<ExecResult>>();
    driver_->exec(handle, std::move(argv), timeout, [result](ExecResult r) { *result = r; });
    run_until([&] { return result->has_value(); }, 1500ms);
    return *result;
  }

  std::string log(const ContainerHandle& handle, const char* name) {
    return read_file(state_dir_of(handle) / name);
  }

  // Until the container has printed `text`: a shell's traps are then set.
  bool wait_output(const ContainerHandle& handle, const std::string& text) {
    return poll_until([&] { return log(handle, "stdout.log").find(text) != std::string::npos; },
                    1000ms);
  }

  boost::asio::io_context io_;
  fs::path dir_;
  TaskSpec task_;
  std::unique_ptr<ProcessDriver> driver_;
  std::vector<ContainerHandle> handles_;
};

TEST_F(ProcessDriverTest, ReportsExitCodes) {
  auto ok = run_to_exit(container({"/bin/true"}, "ok"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->exit_code, 0);
  EXPECT_FALSE(ok->oom_killed);
  EXPECT_EQ(ok->reason, "");

  auto three = run_to_exit(container({"/bin/sh", "-c", "exit 3"}, "three"));
  ASSERT_TRUE(three);
  EXPECT_EQ(three->exit_code, 3);
}

TEST_F(ProcessDriverTest, PortMappingsBindTheContainerPortOnTheHost) {
  ContainerSpec web = container({"/bin/true"}, "web");
  web.port_mappings = {{8080, 0, "tcp"}, {53, 5353, "udp"}};
  task_.network_mode = "bridge";
  auto bridged = start(web).network_bindings;
  ASSERT_EQ(bridged.size(), 2u);
  EXPECT_EQ(bridged[0].container_port, 8080);
  EXPECT_EQ(bridged[0].host_port, 8080);
  // No NAT: a process listens where it listens, whatever hostPort asked.
  EXPECT_EQ(bridged[1].host_port, 53);
  EXPECT_EQ(bridged[1].protocol, "udp");
  task_.network_mode = "awsvpc";
  web.name = "web2";
  EXPECT_TRUE(start(web).network_bindings.empty());
}

TEST_F(ProcessDriverTest, ReportsDeathBySignalAs128PlusSignal) {
  // Blocked here, the signal must still reach the container: its mask is reset.
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old);
  auto spec = container({"/bin/sh", "-c", "kill -USR1 $$; sleep 5"});
  std::optional<ContainerHandle> handle;
  try {
    handle = start(spec);
  } catch (...) {
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    throw;
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  auto status = wait_exit(*driver_, *handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 128 + SIGUSR1);
}

TEST_F(ProcessDriverTest, EntryPointAndCommandMakeArgv) {
  auto spec = container({"one", "two words"});
  spec.entry_point = {"/bin/sh", "-c", "printf '%s|' \"$0\" \"$1\"", "zero"};
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  EXPECT_EQ(log(handle, "stdout.log"), "zero|one|");
}

TEST_F(ProcessDriverTest, PassesTheEnvironmentExactly) {
  auto spec = container({"/usr/bin/env"});
  spec.environment = {{"FOO", "bar"}, {"EMPTY", ""}, {"SPACED", "a b=c"}};
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  auto seen = lines(log(handle, "stdout.log"));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"EMPTY=", "FOO=bar",
                                            std::string("PATH=") + kDefaultContainerPath,
                                            "SPACED=a b=c"}));
}

TEST_F(ProcessDriverTest, ResolvesTheProgramThroughTheContainersPath) {
  fs::create_directories(dir_ / "bin");
  fs::path tool = dir_ / "bin" / "hello-tool";
  std::ofstream(tool) << "#!/bin/sh\necho \"hello from $PATH\"\n";
  fs::permissions(tool, fs::perms::owner_all);
  auto spec = container({"hello-tool"});
  spec.environment = {{"PATH", (dir_ / "bin").string()}};
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  EXPECT_EQ(log(handle, "stdout.log"), "hello from " + (dir_ / "bin").string() + "\n");
}

TEST_F(ProcessDriverTest, RunsInTheWorkingDirectory) {
  fs::create_directories(dir_ / "work");
  auto spec = container({"/bin/sh", "-c", "pwd"});
  spec.working_directory = (dir_ / "work").string();
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  EXPECT_EQ(log(handle, "stdout.log"), (dir_ / "work").string() + "\n");
}

TEST_F(ProcessDriverTest, WritesOutputToAppendedLogFiles) {
  auto spec = container({"/bin/sh", "-c", "echo out; echo err >&2"});
  auto first = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, first));
  auto second = start(spec);  // the same container again: its logs grow
  ASSERT_TRUE(wait_exit(*driver_, second));
  EXPECT_EQ(log(second, "stdout.log"), "out\nout\n");
  EXPECT_EQ(log(second, "stderr.log"), "err\nerr\n");
}

TEST_F(ProcessDriverTest, ContainerInheritsNoAgentFileDescriptors) {
  int leaked = ::open("/dev/null", O_RDONLY);  // not CLOEXEC, as careless code opens files
  ASSERT_GE(leaked, 0);
  auto handle = start(container({"/bin/sh", "-c", "ls /proc/$$/fd; read x; echo read=$?"}));
  ::close(leaked);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  EXPECT_EQ(lines(log(handle, "stdout.log")), (std::vector<std::string>{"0", "1", "2", "read=1"}));
}

TEST_F(ProcessDriverTest, ShimHoldsOnlyItsOwnFiles) {
  auto handle = start(container({"/bin/sleep", "5"}));
  pid_t shim = state_pid(handle, "shim_pid");
  std::set<std::string> fds;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(shim) + "/fd"))
    fds.insert(entry.path().filename().string());
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2"}));
  EXPECT_EQ(read_file(state_dir_of(handle) / "pid"),
            std::to_string(state_pid(handle, "pid")) + "\n");
  EXPECT_EQ(::getpgid(state_pid(handle, "pid")), state_pid(handle, "pgid"));
  EXPECT_EQ(::getsid(shim), shim);
}

TEST_F(ProcessDriverTest, StopEscalatesToSigkillAfterTheTimeout) {
  // The shell outlives SIGTERM (its trap notes it and it goes on): only the
  // SIGKILL that follows ends it.
  auto handle = start(container(
      {"/bin/sh", "-c", "trap 'echo got-term' TERM; echo ready; while :; do sleep 0.1; done"}));
  ASSERT_TRUE(wait_output(handle, "ready"));
  driver_->stop(handle, 1s);
  auto status = wait_exit(*driver_, handle, 5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 137);
  // SIGTERM came first, and the program had the time to handle it.
  EXPECT_EQ(log(handle, "stdout.log"), "ready\ngot-term\n");
}

TEST_F(ProcessDriverTest, StopEndsAProgramThatHonoursSigterm) {
  auto handle = start(container({"/bin/sleep", "30"}));
  driver_->stop(handle, 10s);
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 143);  // SIGTERM's, not the SIGKILL of the timeout (137)
}

TEST_F(ProcessDriverTest, StopReachesTheWholeProcessGroup) {
  // The shell's trap waits for its child: it returns only if SIGTERM reached
  // the child too (else the SIGKILL at the timeout ends both with 137).
  auto handle = start(
      container({"/bin/sh", "-c",
                 "trap 'wait $child; echo child=$?; exit 0' TERM; sleep 30 & child=$!; "
                 // Until the child has exec'd: before, it still runs the shell's trap.
                 "while [ \"$(cat /proc/$child/comm)\" != sleep ]; do :; done; echo ready; wait"}));
  ASSERT_TRUE(wait_output(handle, "ready"));
  driver_->stop(handle, 1s);
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 0);
  EXPECT_EQ(log(handle, "stdout.log"), "ready\nchild=143\n");
}

TEST_F(ProcessDriverTest, StoppingAnExitedContainerDoesNothing) {
  auto handle = start(container({"/bin/true"}));
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  driver_->stop(handle, 10ms);
  run_until([] { return false; }, 50ms);
  EXPECT_EQ(read_file(state_dir_of(handle) / "exit"), "{\"exit_code\":0,\"signal\":0}\n");
}

TEST_F(ProcessDriverTest, ExitOfTheMainProcessKillsItsGroup) {
  auto handle = start(container({"/bin/sh", "-c", "sleep 30 & echo $!"}));
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 0);
  pid_t orphan = std::stoi(log(handle, "stdout.log"));
  EXPECT_TRUE(poll_until([orphan] { return is_dead(orphan); }, 1000ms));
}

TEST_F(ProcessDriverTest, FailuresToStartThrowCannotStartContainerError) {
  auto reason = [&](const ContainerSpec& spec) -> std::string {
    try {
      start(spec);
    } catch (const DriverError& e) {
      return e.what();
    }
    return "started";
  };
  EXPECT_EQ(reason(container({})),
            "CannotStartContainerError: container app has no entryPoint or command to run");
  EXPECT_EQ(reason(container({"no-such-program-gantry"})),
            "CannotStartContainerError: exec: \"no-such-program-gantry\": executable file not "
            "found in $PATH");
  EXPECT_EQ(reason(container({"/nonexistent/program"})),
            "CannotStartContainerError: exec: \"/nonexistent/program\": No such file or directory");
  fs::path not_executable = dir_ / "data.txt";
  std::ofstream(not_executable) << "data\n";
  EXPECT_EQ(
      reason(container({not_executable.string()})),
      "CannotStartContainerError: exec: \"" + not_executable.string() + "\": Permission denied");
  auto in_missing_dir = container({"/bin/true"});
  in_missing_dir.working_directory = "/nonexistent-dir";
  EXPECT_EQ(reason(in_missing_dir),
            "CannotStartContainerError: chdir to working directory \"/nonexistent-dir\": No such "
            "file or directory");
  auto unknown_user = container({"/bin/true"});
  unknown_user.user = "no-such-user-gantry";
  EXPECT_EQ(reason(unknown_user),
            "CannotStartContainerError: unable to find user no-such-user-gantry: no matching "
            "entries in passwd file");
  EXPECT_TRUE(handles_.empty());
  // The failed exec says why in the container's stderr, and leaves no runtime files.
  EXPECT_THAT(read_file(dir_ / task_.task_id / "app" / "stderr.log"),
              HasSubstr("chdir to working directory \"/nonexistent-dir\": No such file"));
  EXPECT_FALSE(fs::exists(dir_ / task_.task_id / "app" / "exit"));
  EXPECT_EQ(zombie_children(), 0);  // every shim reaped
}

TEST_F(ProcessDriverTest, SecondDriverReattachesToARunningContainer) {
  auto handle = start(container({"/bin/sh", "-c", "sleep 0.3; exit 5"}));
  driver_.reset();  // the agent goes away
  driver_ = make_driver();
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 5);
}

TEST_F(ProcessDriverTest, ReattachesToAShimThatIsNotItsChild) {
  // The first agent is a child process that starts the container and exits:
  // the shim is then not ours, only the handle's state is.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    ::close(pipe_fds[0]);
    int code = 0;
    try {
      boost::asio::io_context io;
      ProcessDriver first(io.get_executor(), dir_, CgroupMemory::disabled("test"));
      auto handle = first.start_now(task_, container({"/bin/sh", "-c", "sleep 0.4; exit 6"}));
      std::string state = boost::json::serialize(handle.state);
      if (::write(pipe_fds[1], state.data(), state.size()) != static_cast<ssize_t>(state.size()))
        code = 2;
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  std::string state;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) state.append(buffer, n);
  ::close(pipe_fds[0]);
  int agent_status = 0;
  ASSERT_EQ(::waitpid(agent, &agent_status, 0), agent);
  ASSERT_EQ(agent_status, 0);
  ContainerHandle handle{task_.task_id + "-app", boost::json::parse(state).as_object()};
  handles_.push_back(handle);

  pid_t shim = state_pid(handle, "shim_pid");
  EXPECT_EQ(::waitpid(shim, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(::kill(shim, 0), 0);  // still running, under someone else
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 6);
  EXPECT_EQ(status->reason, "");
}

TEST_F(ProcessDriverTest, ReportsAnExitRecordedWhileNoAgentWatched) {
  auto handle = start(container({"/bin/sh", "-c", "exit 4"}));
  driver_.reset();
  ASSERT_TRUE(poll_until([&] { return fs::exists(state_dir_of(handle) / "exit"); }, 1000ms));
  driver_ = make_driver();
  // The exit is known from the record the shim left: the new driver reports
  // it with the code the workload exited with.
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 4);
}

TEST_F(ProcessDriverTest, AShimKilledWithoutRecordIsReportedAndItsWorkloadKilled) {
  auto handle = start(container({"/bin/sleep", "30"}));
  pid_t shim = state_pid(handle, "shim_pid");
  ASSERT_EQ(::kill(shim, SIGKILL), 0);
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 255);
  EXPECT_THAT(status->reason, StartsWith("CannotInspectContainerError: "));
  EXPECT_EQ(::waitpid(shim, nullptr, WNOHANG), -1);  // reaped by the watch
  pid_t workload = state_pid(handle, "pid");
  EXPECT_TRUE(poll_until([workload] { return is_dead(workload); }, 1000ms));
}

TEST_F(ProcessDriverTest, AReusedShimPidIsNotMistakenForTheShim) {
  auto handle = start(container({"/bin/sleep", "30"}));
  ContainerHandle stale = handle;
  stale.state["shim_start_time"] = handle.state.at("shim_start_time").to_number<uint64_t>() + 1;
  auto status = wait_exit(*driver_, stale, 500ms);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 255);
}

TEST_F(ProcessDriverTest, AppliesUlimits) {
  auto spec = container({"/bin/sh", "-c", "ulimit -n; ulimit -Hn"});
  spec.ulimits = {Ulimit{"nofile", 123, 456}};
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  EXPECT_EQ(log(handle, "stdout.log"), "123\n456\n");
}

TEST_F(ProcessDriverTest, RunsAsTheGivenUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  auto spec = container({"/bin/sh", "-c", "id -u; id -g; id -G"});
  spec.user = "65534:65533";
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  auto seen = lines(log(handle, "stdout.log"));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "65534");
  EXPECT_EQ(seen[1], "65533");

  auto root_group = container({"/bin/sh", "-c", "id -u; id -g"}, "named");
  root_group.user = "root:0";
  auto named = start(root_group);
  ASSERT_TRUE(wait_exit(*driver_, named));
  EXPECT_EQ(log(named, "stdout.log"), "0\n0\n");
}

TEST_F(ProcessDriverTest, ExecRunsInTheContainersContext) {
  fs::create_directories(dir_ / "work");
  auto spec = container({"/bin/sleep", "30"});
  spec.environment = {{"GREETING", "hi"}};
  spec.working_directory = (dir_ / "work").string();
  auto handle = start(spec);
  auto result = exec(handle, {"/bin/sh", "-c", "echo $GREETING; pwd; echo oops >&2; exit 4"}, 1s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_code, 4);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->output, "hi\n" + (dir_ / "work").string() + "\noops\n");

  auto found = exec(handle, {"true"}, 1s);  // looked up through PATH
  ASSERT_TRUE(found);
  EXPECT_EQ(found->exit_code, 0);
  fs::path not_executable = dir_ / "data.txt";
  std::ofstream(not_executable) << "data\n";
  auto denied = exec(handle, {not_executable.string()}, 1s);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->exit_code, 127);
  EXPECT_EQ(denied->output,
            "gantry: exec \"" + not_executable.string() + "\": Permission denied\n");
  auto missing = exec(handle, {"no-such-program-gantry"}, 1s);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->exit_code, 127);
  EXPECT_THAT(missing->output, HasSubstr("executable file not found"));
}

TEST_F(ProcessDriverTest, ExecTimesOut) {
  auto handle = start(container({"/bin/sleep", "30"}));
  // exec() waits 1.5 s at most: the answer came before the command's end.
  auto result = exec(handle, {"/bin/sh", "-c", "echo started; sleep 10"}, 200ms);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, kExecTimedOutExitCode);
  EXPECT_EQ(result->output, "started\n");
  EXPECT_EQ(zombie_children(), 0);  // the command was reaped
}

TEST_F(ProcessDriverTest, ExecKeepsTheFirstFourKibibytes) {
  auto handle = start(container({"/bin/sleep", "30"}));
  auto result =
      exec(handle, {"/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; exit 2"}, 1s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_code, 2);
  EXPECT_EQ(result->output, std::string(kExecOutputLimit, 'x'));
}

TEST_F(ProcessDriverTest, ExecInAnExitedContainerIsRefused) {
  auto handle = start(container({"/bin/true"}));
  ASSERT_TRUE(wait_exit(*driver_, handle));
  auto result = exec(handle, {"/bin/true"}, 1s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_code, 126);
  EXPECT_THAT(result->output, HasSubstr("is not running"));
}

int open_fds() {
  return static_cast<int>(
      std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator()));
}

TEST_F(ProcessDriverTest, LeavesNoFileDescriptorsOpen) {
  boost::asio::steady_timer reactor(io_);  // the io_context's own fds (epoll, eventfd, timerfd)
  int before = open_fds();
  {
    auto handle = start(container({"/bin/sleep", "30"}));
    auto second = make_driver();
    auto result = std::make_shared<std::optional<ExecResult>>();
    second->exec(handle, {"/bin/true"}, 1s, [result](ExecResult r) { *result = r; });
    second->watch(handle, [](ExitStatus) {});  // pending when the driver goes
    driver_->stop(handle, 10s);                // the timer too
    run_until([&] { return result->has_value(); }, 1000ms);
    ASSERT_TRUE(*result);
    second.reset();
    EXPECT_TRUE(wait_exit(*driver_, handle));
  }
  io_.restart();
  io_.poll();  // let cancelled operations finish
  EXPECT_EQ(open_fds(), before);
}

TEST_F(ProcessDriverTest, RemoveKeepsOnlyTheLogs) {
  auto spec = container({"/bin/sh", "-c", "echo bye"});
  spec.memory_mib = 64;
  auto handle = start(spec);
  ASSERT_TRUE(wait_exit(*driver_, handle));
  fs::path cgroup = std::string(handle.state.at("cgroup").as_string());
  EXPECT_EQ(cgroup.empty(), !driver_->cgroups().usable());
  driver_->remove(handle);
  std::set<std::string> left;
  for (const auto& entry : fs::directory_iterator(state_dir_of(handle)))
    left.insert(entry.path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{"stderr.log", "stdout.log"}));
  if (!cgroup.empty()) {
    EXPECT_FALSE(fs::exists(cgroup));
    EXPECT_FALSE(
        fs::exists(cgroup.parent_path()));  // the task's group went with its last container
  }
}

TEST_F(ProcessDriverTest, MemoryLimitKillsAndReportsOutOfMemory) {
  if (!driver_->cgroups().usable()) {
    std::printf("no usable memory cgroup: %s\n", driver_->cgroups().why_unusable().c_str());
    GTEST_SKIP() << "no usable memory cgroup: " << driver_->cgroups().why_unusable();
  }
  // The shell alone grows a string to 2 GiB: no pipe. (A writer blocked on a
  // pipe that the OOM victim reads can hold the victim up until the kernel's
  // OOM reaper steps in, two seconds later.)
  auto spec = container({"/bin/sh", "-c", "x=a; while :; do x=$x$x; done"});
  spec.memory_mib = 16;
  auto handle = start(spec);
  fs::path cgroup = std::string(handle.state.at("cgroup").as_string());
  const char* limit_file =
      driver_->cgroups().version() == 1 ? "memory.limit_in_bytes" : "memory.max";
  EXPECT_EQ(read_file(cgroup / limit_file), std::to_string(16 * 1024 * 1024) + "\n");
  auto status = wait_exit(*driver_, handle);
  ASSERT_TRUE(status) << "stdout: " << log(handle, "stdout.log")
                      << "\nstderr: " << log(handle, "stderr.log")
                      << "\noom_control: " << read_file(cgroup / "memory.oom_control")
                      << "\nprocs: " << read_file(cgroup / "cgroup.procs")
                      << "\nexit: " << read_file(state_dir_of(handle) / "exit");
  EXPECT_EQ(status->exit_code, 137);
  EXPECT_TRUE(status->oom_killed);
  EXPECT_EQ(status->reason, "OutOfMemoryError: Container killed due to memory usage");
}

TEST_F(ProcessDriverTest, TaskMemoryLimitAppliesToTheTaskGroup) {
  if (!driver_->cgroups().usable()) GTEST_SKIP() << driver_->cgroups().why_unusable();
  task_.memory_mib = 32;
  auto handle = start(container({"/bin/sh", "-c", "cat /proc/self/cgroup"}));
  ASSERT_TRUE(wait_exit(*driver_, handle));
  fs::path cgroup = std::string(handle.state.at("cgroup").as_string());
  const char* limit_file =
      driver_->cgroups().version() == 1 ? "memory.limit_in_bytes" : "memory.max";
  EXPECT_EQ(read_file(cgroup.parent_path() / limit_file), std::to_string(32 * 1024 * 1024) + "\n");
  EXPECT_THAT(log(handle, "stdout.log"), HasSubstr("/gantry/" + task_.task_id + "/app\n"));
}

// --- CgroupMemory ---

}  // namespace
}  // namespace gantry::agent
