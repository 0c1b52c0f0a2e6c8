#include "agent/task_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "agent/fake_driver.h"
#include "agent/task_runner_fixture.h"
#include "agent/run_until.h"

namespace gantry::agent {
namespace {

using namespace std::chrono_literals;
using testing::drain;
using testing::FakeDriver;
using testing::run_until;
using Names = std::vector<std::string>;

using testing::checked;
using testing::container;
using testing::depends;
using testing::task;
using TaskRunnerTest = testing::TaskRunnerFixture;

TEST_F(TaskRunnerTest, StartsIndependentContainersInDefinitionOrder) {
  auto runner = make(task({container("a"), container("b", false), container("c")}));
  runner->start();
  EXPECT_EQ(driver_.started, (Names{"a", "b", "c"}));
  EXPECT_EQ(driver_.watched, (Names{"a", "b", "c"}));
  const auto& s = runner->status();
  EXPECT_EQ(s.task_arn, "arn:aws:ecs:us-east-1:123456789012:task/dev/t1");
  EXPECT_EQ(s.last_status, "RUNNING");
  EXPECT_EQ(s.started_at, now());
  EXPECT_EQ(s.pull_started_at, now());
  EXPECT_EQ(s.pull_stopped_at, now());
  EXPECT_FALSE(s.execution_stopped_at);
  for (const auto& c : s.containers) {
    EXPECT_EQ(c.last_status, "RUNNING");
    EXPECT_EQ(c.runtime_id, FakeDriver::runtime_id_of(c.name));
    ASSERT_TRUE(c.handle);
    EXPECT_EQ(std::string(c.handle->state.at("name").as_string()), c.name);
  }
  EXPECT_TRUE(reports_.empty());  // posted, not called from inside start()
  drain(io_);
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back().last_status, "RUNNING");
  EXPECT_EQ(reports_.back().containers.at(2).handle->runtime_id, "rt-c");
}

TEST_F(TaskRunnerTest, StartConditionWaitsForTheDependencyToStart) {
  auto runner = make(task({depends(container("app"), "proxy", "START"), container("proxy")}));
  runner->start();
  EXPECT_EQ(driver_.started, (Names{"proxy", "app"}));
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

TEST_F(TaskRunnerTest, CompleteConditionWaitsForAnyExit) {
  auto runner =
      make(task({container("init", false), depends(container("app"), "init", "COMPLETE")}));
  runner->start();
  EXPECT_EQ(driver_.started, Names{"init"});
  EXPECT_EQ(of(*runner, "app").last_status, "PENDING");
  EXPECT_EQ(runner->status().last_status, "PENDING");  // the essential app has not started

  driver_.exit("init", ExitStatus{.exit_code = 3});
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"init", "app"}));
  EXPECT_EQ(of(*runner, "init").exit_code, 3);
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

TEST_F(TaskRunnerTest, SuccessConditionStartsAfterExitZero) {
  auto runner =
      make(task({container("migrate", false), depends(container("app"), "migrate", "SUCCESS")}));
  runner->start();
  EXPECT_EQ(driver_.started, Names{"migrate"});
  driver_.exit("migrate", ExitStatus{.exit_code = 0});
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"migrate", "app"}));
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

TEST_F(TaskRunnerTest, SuccessConditionNeverMetStopsTheTask) {
  auto runner =
      make(task({container("migrate", false), depends(container("app"), "migrate", "SUCCESS")}));
  runner->start();
  driver_.exit("migrate", ExitStatus{.exit_code = 1});
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"migrate"});
  const auto& app = of(*runner, "app");
  EXPECT_EQ(app.last_status, "STOPPED");
  EXPECT_EQ(app.reason, "DependencyConditionNotMet");
  EXPECT_FALSE(app.exit_code);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "DependencyConditionNotMet");
  EXPECT_FALSE(runner->status().started_at);
  EXPECT_EQ(runner->status().execution_stopped_at, now());
}

TEST_F(TaskRunnerTest, UnmetConditionOfANonEssentialContainerLeavesTheTaskRunning) {
  auto runner = make(task({container("app"), container("init", false),
                           depends(container("report", false), "init", "SUCCESS")}));
  runner->start();
  driver_.exit("init", ExitStatus{.exit_code = 2});
  drain(io_);
  EXPECT_EQ(of(*runner, "report").reason, "DependencyConditionNotMet");
  EXPECT_EQ(of(*runner, "report").last_status, "STOPPED");
  EXPECT_EQ(runner->status().last_status, "RUNNING");
  EXPECT_TRUE(driver_.stops.empty());
}

TEST_F(TaskRunnerTest, HealthyConditionWaitsForTheHealthCheck) {
  auto runner = make(task({checked(container("db")), depends(container("app"), "db", "HEALTHY")}));
  runner->start();
  EXPECT_EQ(driver_.started, Names{"db"});
  EXPECT_EQ(runner->status().last_status, "PENDING");
  ASSERT_TRUE(run_until(io_, [&] { return of(*runner, "app").last_status == "RUNNING"; }));
  EXPECT_EQ(driver_.started, (Names{"db", "app"}));
  EXPECT_EQ(of(*runner, "db").health_status, "HEALTHY");
  EXPECT_EQ(runner->status().health_status, "HEALTHY");
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

TEST_F(TaskRunnerTest, HealthyConditionNeverMetWhenTheDependencyExits) {
  driver_.exec_result = [](const std::string&) { return ExecResult{.exit_code = 1}; };
  auto runner =
      make(task({checked(container("db", false)), depends(container("app"), "db", "HEALTHY")}));
  runner->start();
  ASSERT_TRUE(run_until(io_, [&] { return driver_.exec_count("db") >= 1; }));
  driver_.exit("db", ExitStatus{.exit_code = 0});
  ASSERT_TRUE(run_until(io_, [&] { return runner->status().last_status == "STOPPED"; }));
  EXPECT_EQ(of(*runner, "app").reason, "DependencyConditionNotMet");
  EXPECT_EQ(driver_.started, Names{"db"});
}

TEST_F(TaskRunnerTest, EssentialExitStopsTheOthersWithTheirStopTimeouts) {
  auto sidecar = container("sidecar", false);
  sidecar.stop_timeout = 7s;
  auto logger = container("logger");
  logger.stop_timeout = 2s;
  auto runner = make(task({container("app"), sidecar, logger}));
  runner->start();
  const double started = now();
  clock_.advance(5s);
  driver_.exit("app", ExitStatus{.exit_code = 2});
  drain(io_);
  ASSERT_EQ(driver_.stops.size(), 2u);
  EXPECT_EQ(driver_.stops[0].name, "sidecar");
  EXPECT_EQ(driver_.stops[0].timeout, 7s);
  EXPECT_EQ(driver_.stops[1].name, "logger");
  EXPECT_EQ(driver_.stops[1].timeout, 2s);
  const auto& s = runner->status();
  EXPECT_EQ(s.last_status, "STOPPED");
  EXPECT_EQ(s.stopped_reason, "Essential container in task exited");
  EXPECT_FALSE(s.stopped_by_request);
  EXPECT_EQ(s.started_at, started);
  EXPECT_EQ(s.execution_stopped_at, now());
  EXPECT_EQ(of(*runner, "app").exit_code, 2);
  EXPECT_EQ(of(*runner, "sidecar").exit_code, 143);
  EXPECT_EQ(reports_.back().last_status, "STOPPED");
}

TEST_F(TaskRunnerTest, NonEssentialExitLeavesTheTaskRunning) {
  auto runner = make(task({container("app"), container("sidecar", false)}));
  runner->start();
  driver_.exit("sidecar", ExitStatus{.exit_code = 1});
  drain(io_);
  EXPECT_EQ(of(*runner, "sidecar").last_status, "STOPPED");
  EXPECT_EQ(of(*runner, "sidecar").exit_code, 1);
  EXPECT_EQ(runner->status().last_status, "RUNNING");
  EXPECT_TRUE(driver_.stops.empty());
}

TEST_F(TaskRunnerTest, TaskOfNonEssentialContainersStopsWhenAllHaveExited) {
  auto runner = make(task({container("a", false), container("b", false)}));
  runner->start();
  EXPECT_EQ(runner->status().last_status, "RUNNING");
  driver_.exit("a", ExitStatus{.exit_code = 0});
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "RUNNING");
  driver_.exit("b", ExitStatus{.exit_code = 0});
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_TRUE(driver_.stops.empty());
}

TEST_F(TaskRunnerTest, StopHonoursEachStopTimeout) {
  driver_.exit_on_stop = false;
  auto web = container("web");
  web.stop_timeout = 45s;
  auto runner = make(task({web, container("cache", false)}));
  runner->start();
  runner->stop("Scaling activity initiated by deployment");
  ASSERT_EQ(driver_.stops.size(), 2u);
  EXPECT_EQ(driver_.stops[0].name, "web");
  EXPECT_EQ(driver_.stops[0].timeout, 45s);
  EXPECT_EQ(driver_.stops[1].name, "cache");
  EXPECT_EQ(driver_.stops[1].timeout, 30s);
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "RUNNING");  // until the containers have exited
  EXPECT_TRUE(runner->status().stopped_by_request);

  runner->stop("again");  // nothing new to send
  EXPECT_EQ(driver_.stops.size(), 2u);
  driver_.exit("web", ExitStatus{.exit_code = 0});
  driver_.exit("cache", ExitStatus{.exit_code = 137});
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "Scaling activity initiated by deployment");
  EXPECT_EQ(reports_.back().last_status, "STOPPED");
}

TEST_F(TaskRunnerTest, StopNeverStartsWaitingContainers) {
  auto runner =
      make(task({container("init", false), depends(container("app"), "init", "COMPLETE")}));
  runner->start();
  runner->stop("");
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"init"});
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "Task stopped by user");
  EXPECT_EQ(of(*runner, "app").last_status, "STOPPED");
  EXPECT_FALSE(of(*runner, "app").exit_code);
}

TEST_F(TaskRunnerTest, StartFailureOfAnEssentialContainerStopsTheTask) {
  driver_.start_failures["app"] = "CannotStartContainerError: no such image";
  auto runner = make(task({container("sidecar", false), container("app")}));
  runner->start();
  EXPECT_EQ(driver_.started, (Names{"sidecar", "app"}));
  const auto& app = of(*runner, "app");
  EXPECT_EQ(app.last_status, "STOPPED");
  EXPECT_EQ(app.reason, "CannotStartContainerError: no such image");
  EXPECT_FALSE(app.exit_code);
  EXPECT_FALSE(app.handle);
  ASSERT_EQ(driver_.stops.size(), 1u);
  EXPECT_EQ(driver_.stops[0].name, "sidecar");
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "CannotStartContainerError: no such image");
  EXPECT_FALSE(runner->status().started_at);
}

TEST_F(TaskRunnerTest, StartFailureOfANonEssentialContainerLeavesTheTaskRunning) {
  driver_.start_failures["sidecar"] = "CannotStartContainerError: bad user";
  auto runner = make(task({container("app"), container("sidecar", false)}));
  runner->start();
  EXPECT_EQ(of(*runner, "sidecar").reason, "CannotStartContainerError: bad user");
  EXPECT_EQ(runner->status().last_status, "RUNNING");
  EXPECT_TRUE(driver_.stops.empty());
}

TEST_F(TaskRunnerTest, ExitReasonAndCodeAreReported) {
  auto runner = make(task({container("app"), container("job", false)}));
  runner->start();
  driver_.exit("job", ExitStatus{.exit_code = 137, .oom_killed = true});
  driver_.exit("app", ExitStatus{.exit_code = 1, .reason = "Driver says why"});
  drain(io_);
  EXPECT_EQ(of(*runner, "job").exit_code, 137);
  EXPECT_EQ(of(*runner, "job").reason, "OutOfMemoryError: Container killed due to memory usage");
  EXPECT_EQ(of(*runner, "app").exit_code, 1);
  EXPECT_EQ(of(*runner, "app").reason, "Driver says why");
}

TEST_F(TaskRunnerTest, HealthFollowsTheChecksAndEndsWithTheContainer) {
  bool healthy = true;
  driver_.exec_result = [&](const std::string&) {
    return ExecResult{.exit_code = healthy ? 0 : 1};
  };
  auto runner = make(task({checked(container("app")), container("side", false)}));
  runner->start();
  ASSERT_TRUE(run_until(io_, [&] { return runner->status().health_status == "HEALTHY"; }));
  EXPECT_EQ(of(*runner, "app").health_status, "HEALTHY");
  EXPECT_EQ(of(*runner, "side").health_status, "UNKNOWN");
  healthy = false;
  ASSERT_TRUE(run_until(io_, [&] { return runner->status().health_status == "UNHEALTHY"; }));
  EXPECT_EQ(of(*runner, "app").health_status, "UNHEALTHY");
  ASSERT_TRUE(run_until(io_, [&] { return reports_.back().health_status == "UNHEALTHY"; }));

  driver_.exit("app", ExitStatus{.exit_code = 0});
  drain(io_);
  const int probes = driver_.exec_count("app");
  io_.restart();
  io_.run_for(30ms);
  EXPECT_EQ(driver_.exec_count("app"), probes);
  EXPECT_EQ(driver_.exec_count("side"), 0);
}

TaskStatus recovered_running(std::vector<std::string> running,
                             std::vector<std::string> pending = {}) {
  TaskStatus s;
  s.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/dev/t1";
  s.last_status = "RUNNING";
  s.started_at = 1600000000.0;
  for (const auto& name : running) {
    s.containers.push_back(ContainerStatus{.name = name,
                                           .runtime_id = FakeDriver::runtime_id_of(name),
                                           .last_status = "RUNNING",
                                           .handle = FakeDriver::handle_of(name)});
  }
  for (const auto& name : pending) s.containers.push_back(ContainerStatus{.name = name});
  return s;
}

TEST_F(TaskRunnerTest, RecoveryReattachesWithoutStarting) {
  auto runner = make(task({checked(container("app")), container("side", false)}),
                     recovered_running({"app", "side"}));
  runner->start();
  EXPECT_TRUE(driver_.started.empty());
  EXPECT_EQ(driver_.watched, (Names{"app", "side"}));
  EXPECT_EQ(runner->status().started_at, 1600000000.0);  // kept, not the fake clock's
  ASSERT_TRUE(run_until(io_, [&] { return of(*runner, "app").health_status == "HEALTHY"; }));
  EXPECT_GE(driver_.exec_count("app"), 1);

  driver_.exit("app", ExitStatus{.exit_code = 0});
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  ASSERT_EQ(driver_.stops.size(), 1u);
  EXPECT_EQ(driver_.stops[0].name, "side");
}

TEST_F(TaskRunnerTest, RecoveryStartsPendingContainersWhoseDependenciesHold) {
  auto runner = make(task({container("app"), depends(container("worker"), "app", "START")}),
                     recovered_running({"app"}, {"worker"}));
  runner->start();
  EXPECT_EQ(driver_.started, Names{"worker"});
  EXPECT_EQ(driver_.watched, (Names{"app", "worker"}));
  EXPECT_EQ(of(*runner, "worker").last_status, "RUNNING");
}

TEST_F(TaskRunnerTest, RecoveryOfAContainerThatExitedMeanwhile) {
  driver_.exit("app", ExitStatus{.exit_code = 9});  // while the agent was away
  auto runner =
      make(task({container("app"), container("side", false)}), recovered_running({"app", "side"}));
  runner->start();
  drain(io_);
  EXPECT_TRUE(driver_.started.empty());
  EXPECT_EQ(of(*runner, "app").last_status, "STOPPED");
  EXPECT_EQ(of(*runner, "app").exit_code, 9);
  EXPECT_EQ(runner->status().stopped_reason, "Essential container in task exited");
  EXPECT_EQ(runner->status().last_status, "STOPPED");
}

TEST_F(TaskRunnerTest, RecoveryResumesAStopUnderWay) {
  auto status = recovered_running({"app"});
  status.stopped_by_request = true;
  status.stopped_reason = "Deployment";
  auto runner = make(task({container("app")}), status);
  runner->start();
  EXPECT_EQ(driver_.watched, Names{"app"});
  ASSERT_EQ(driver_.stops.size(), 1u);
  drain(io_);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "Deployment");
}

TEST_F(TaskRunnerTest, RecoveredRunningContainerWithoutAHandleIsLost) {
  auto status = recovered_running({"app", "side"});
  status.containers[0].handle.reset();
  auto runner = make(task({container("app"), container("side", false)}), status);
  runner->start();
  drain(io_);
  EXPECT_EQ(driver_.watched, Names{"side"});
  EXPECT_EQ(of(*runner, "app").last_status, "STOPPED");
  EXPECT_FALSE(of(*runner, "app").reason.empty());
  EXPECT_EQ(runner->status().stopped_reason, of(*runner, "app").reason);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
}

TEST_F(TaskRunnerTest, StopBeforeStartStartsNothing) {
  auto runner = make(task({container("app")}));
  runner->stop("never mind");
  runner->start();
  drain(io_);
  EXPECT_TRUE(driver_.started.empty());
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "never mind");
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back().last_status, "STOPPED");
}

TEST_F(TaskRunnerTest, RecoveredStoppedTaskDoesNothing) {
  auto status = recovered_running({});
  status.last_status = "STOPPED";
  status.containers.push_back(
      ContainerStatus{.name = "app", .last_status = "STOPPED", .exit_code = 0});
  auto runner = make(task({container("app")}), status);
  runner->start();
  runner->stop("late");
  drain(io_);
  EXPECT_TRUE(driver_.started.empty());
  EXPECT_TRUE(driver_.watched.empty());
  EXPECT_TRUE(driver_.stops.empty());
  EXPECT_TRUE(reports_.empty());
  EXPECT_EQ(runner->status().stopped_reason, "");
}

TEST_F(TaskRunnerTest, DestroyingTheRunnerSilencesLateCallbacks) {
  auto runner = make(task({checked(container("app"))}));
  runner->start();
  driver_.exit("app", ExitStatus{.exit_code = 0});
  runner.reset();
  io_.restart();
  io_.run_for(30ms);
  EXPECT_TRUE(reports_.empty());
  EXPECT_TRUE(driver_.stops.empty());
}

}  // namespace
}  // namespace gantry::agent
