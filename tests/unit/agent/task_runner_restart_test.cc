// The task runner's restartPolicy (containers started again in place when
// they exit) and health checks run by the driver itself (Docker's own
// HEALTHCHECK), on the fake driver and a fake clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "agent/fake_driver.h"
#include "agent/task_runner_fixture.h"
#include "agent/run_until.h"
#include "agent/task_runner.h"

namespace gantry::agent {
namespace {

using namespace std::chrono_literals;
using testing::drain;
using testing::FakeDriver;
using testing::run_until;
using Names = std::vector<std::string>;

ContainerSpec restarting(ContainerSpec c, std::vector<int> ignored = {},
                         std::chrono::seconds period = 10s) {
  c.restart_policy =
      RestartPolicy{.enabled = true, .ignored_exit_codes = std::move(ignored), .attempt_period = period};
  return c;
}

using testing::checked;
using testing::container;
using testing::depends;
using testing::task;
using TaskRunnerRestartTest = testing::TaskRunnerFixture;

TEST_F(TaskRunnerRestartTest, RestartsAnExitedContainerInPlace) {
  driver_.unique_runtime_ids = true;
  auto runner = make(task({restarting(container("app")), container("sidecar", false)}));
  runner->start();
  const double first_start = now();
  ASSERT_EQ(of(*runner, "app").runtime_id, "rt-app-1");
  clock_.advance(10s);
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);

  EXPECT_EQ(driver_.started, (Names{"app", "sidecar", "app"}));
  EXPECT_EQ(driver_.watched, (Names{"app", "sidecar", "app"}));
  EXPECT_EQ(driver_.removed_runtime_ids, Names{"rt-app-1"});  // the old container
  EXPECT_TRUE(driver_.stops.empty());
  const auto& app = of(*runner, "app");
  EXPECT_EQ(app.last_status, "RUNNING");
  EXPECT_EQ(app.runtime_id, "rt-app-2");
  ASSERT_TRUE(app.handle);
  EXPECT_EQ(app.handle->runtime_id, "rt-app-2");
  EXPECT_EQ(app.restart_count, 1);
  EXPECT_EQ(app.restarted_at, now());
  EXPECT_EQ(app.started_at, first_start);  // the first start stays
  EXPECT_FALSE(app.exit_code);
  EXPECT_EQ(runner->status().last_status, "RUNNING");
  EXPECT_TRUE(runner->status().stopped_reason.empty());
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back().containers.at(0).restart_count, 1);
  EXPECT_EQ(reports_.back().containers.at(0).runtime_id, "rt-app-2");

  // The new container's exit is watched too.
  clock_.advance(10s);
  driver_.exit("app", ExitStatus{.exit_code = 2});
  drain(io_);
  EXPECT_EQ(of(*runner, "app").restart_count, 2);
  EXPECT_EQ(driver_.removed_runtime_ids, (Names{"rt-app-1", "rt-app-2"}));
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

TEST_F(TaskRunnerRestartTest, AnIgnoredExitCodeEndsTheContainer) {
  auto runner = make(task({restarting(container("app"), {0, 42})}));
  runner->start();
  clock_.advance(60s);
  driver_.exit("app", ExitStatus{.exit_code = 42});
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"app"});
  EXPECT_TRUE(driver_.removed.empty());
  EXPECT_EQ(of(*runner, "app").last_status, "STOPPED");
  EXPECT_EQ(of(*runner, "app").exit_code, 42);
  EXPECT_EQ(of(*runner, "app").restart_count, 0);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "Essential container in task exited");
}

TEST_F(TaskRunnerRestartTest, NoRestartWithinTheAttemptPeriodOfTheStart) {
  auto runner = make(task({restarting(container("app"), {}, 10s)}));
  runner->start();
  clock_.advance(9s);
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"app"});
  EXPECT_EQ(of(*runner, "app").last_status, "STOPPED");
  EXPECT_EQ(of(*runner, "app").exit_code, 1);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
}

TEST_F(TaskRunnerRestartTest, NoRestartWithinTheAttemptPeriodOfTheLastRestart) {
  auto runner = make(task({restarting(container("app"), {}, 10s)}));
  runner->start();
  clock_.advance(30s);
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  ASSERT_EQ(of(*runner, "app").restart_count, 1);
  // 35 s after the first start, but only 5 s after the restart: a crash loop.
  clock_.advance(5s);
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"app", "app"}));
  EXPECT_EQ(of(*runner, "app").restart_count, 1);
  EXPECT_EQ(of(*runner, "app").last_status, "STOPPED");
  EXPECT_EQ(runner->status().last_status, "STOPPED");
}

TEST_F(TaskRunnerRestartTest, ExactlyTheAttemptPeriodIsEnough) {
  auto runner = make(task({restarting(container("app"), {}, 10s)}));
  runner->start();
  clock_.advance(10s);
  driver_.exit("app", ExitStatus{.exit_code = 0});
  drain(io_);
  EXPECT_EQ(of(*runner, "app").restart_count, 1);
  EXPECT_EQ(of(*runner, "app").last_status, "RUNNING");
}

TEST_F(TaskRunnerRestartTest, NoRestartWhileTheTaskStops) {
  auto runner = make(task({restarting(container("app"))}));
  runner->start();
  clock_.advance(60s);
  runner->stop("");  // the fake container exits 143 when stopped
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"app"});
  EXPECT_TRUE(driver_.removed.empty());
  EXPECT_EQ(of(*runner, "app").exit_code, 143);
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "Task stopped by user");
}

TEST_F(TaskRunnerRestartTest, NoRestartWhenAnotherEssentialContainerStoppedTheTask) {
  driver_.exit_on_stop = false;
  auto runner = make(task({container("main"), restarting(container("helper"))}));
  runner->start();
  clock_.advance(60s);
  driver_.exit("main", ExitStatus{.exit_code = 0});
  drain(io_);
  ASSERT_EQ(driver_.stops.size(), 1u);
  EXPECT_EQ(driver_.stops[0].name, "helper");
  driver_.exit("helper", ExitStatus{.exit_code = 143});
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"main", "helper"}));
  EXPECT_EQ(of(*runner, "helper").last_status, "STOPPED");
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "Essential container in task exited");
}

TEST_F(TaskRunnerRestartTest, ADisabledPolicyDoesNotRestart) {
  auto app = restarting(container("app"));
  app.restart_policy->enabled = false;
  auto runner = make(task({app}));
  runner->start();
  clock_.advance(60s);
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"app"});
  EXPECT_EQ(runner->status().last_status, "STOPPED");
}

TEST_F(TaskRunnerRestartTest, AnOomKillIsRestartedLikeAnyExit) {
  auto runner = make(task({restarting(container("app"))}));
  runner->start();
  clock_.advance(60s);
  driver_.exit("app", ExitStatus{.exit_code = 137, .oom_killed = true});
  drain(io_);
  EXPECT_EQ(of(*runner, "app").restart_count, 1);
  EXPECT_EQ(of(*runner, "app").last_status, "RUNNING");
  EXPECT_TRUE(of(*runner, "app").reason.empty());
}

TEST_F(TaskRunnerRestartTest, ARestartThatCannotStartStopsTheContainer) {
  auto runner = make(task({restarting(container("app"))}));
  runner->start();
  clock_.advance(60s);
  driver_.start_failures["app"] = "CannotPullContainerError: registry unreachable";
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"app", "app"}));
  EXPECT_EQ(driver_.removed, Names{"app"});
  const auto& app = of(*runner, "app");
  EXPECT_EQ(app.last_status, "STOPPED");
  EXPECT_EQ(app.restart_count, 1);
  EXPECT_EQ(app.reason, "CannotPullContainerError: registry unreachable");
  EXPECT_EQ(runner->status().last_status, "STOPPED");
  EXPECT_EQ(runner->status().stopped_reason, "CannotPullContainerError: registry unreachable");
}

TEST_F(TaskRunnerRestartTest, ARestartedContainersHealthStartsOver) {
  bool healthy = true;
  driver_.exec_result = [&](const std::string&) { return ExecResult{.exit_code = healthy ? 0 : 1}; };
  auto runner = make(task({restarting(checked(container("app")))}));
  runner->start();
  ASSERT_TRUE(run_until(io_, [&] { return of(*runner, "app").health_status == "HEALTHY"; }));
  clock_.advance(60s);
  // From now on every check fails; UNHEALTHY takes three failures in a row.
  healthy = false;
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  ASSERT_EQ(of(*runner, "app").restart_count, 1);
  EXPECT_EQ(of(*runner, "app").health_status, "UNKNOWN");
  EXPECT_EQ(runner->status().health_status, "UNKNOWN");
  // The restarted container has a checker of its own.
  ASSERT_TRUE(run_until(io_, [&] { return of(*runner, "app").health_status == "UNHEALTHY"; }));
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

class TaskRunnerDriverHealthTest : public TaskRunnerRestartTest {
 protected:
  void SetUp() override { driver_.runs_health_checks = true; }
};

TEST_F(TaskRunnerDriverHealthTest, WatchesTheDriversHealthInsteadOfExecing) {
  auto runner = make(task({checked(container("app")), container("plain")}));
  runner->start();
  ASSERT_EQ(driver_.health_watches.size(), 1u);  // only the container with a check
  EXPECT_EQ(driver_.health_watches[0].name, "app");
  EXPECT_EQ(driver_.health_watches[0].runtime_id, "rt-app");
  // Long enough for several 5 ms check intervals: none is exec'd.
  run_until(io_, [] { return false; }, 50ms);
  EXPECT_TRUE(driver_.execs.empty());
  EXPECT_EQ(of(*runner, "app").health_status, "UNKNOWN");
}

TEST_F(TaskRunnerDriverHealthTest, ReportsTheDriversHealth) {
  auto runner = make(task({checked(container("app"))}));
  runner->start();
  ASSERT_EQ(driver_.health_watches.size(), 1u);
  driver_.report_health(0, "HEALTHY");
  drain(io_);
  EXPECT_EQ(of(*runner, "app").health_status, "HEALTHY");
  EXPECT_EQ(runner->status().health_status, "HEALTHY");
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back().health_status, "HEALTHY");
  EXPECT_EQ(reports_.back().containers.at(0).health_status, "HEALTHY");

  driver_.report_health(0, "UNHEALTHY");
  drain(io_);
  EXPECT_EQ(of(*runner, "app").health_status, "UNHEALTHY");
  EXPECT_EQ(runner->status().health_status, "UNHEALTHY");
  EXPECT_EQ(reports_.back().health_status, "UNHEALTHY");
  EXPECT_EQ(runner->status().last_status, "RUNNING");  // health alone stops nothing
}

TEST_F(TaskRunnerDriverHealthTest, AHealthyReportMeetsAHealthyDependency) {
  auto runner = make(task({checked(container("db")), depends(container("app"), "db", "HEALTHY")}));
  runner->start();
  EXPECT_EQ(driver_.started, Names{"db"});
  driver_.report_health(0, "UNHEALTHY");
  drain(io_);
  EXPECT_EQ(driver_.started, Names{"db"});
  driver_.report_health(0, "HEALTHY");
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"db", "app"}));
  EXPECT_EQ(runner->status().last_status, "RUNNING");
}

TEST_F(TaskRunnerDriverHealthTest, AReportForAReplacedContainerIsIgnored) {
  driver_.unique_runtime_ids = true;
  auto runner = make(task({restarting(checked(container("app")))}));
  runner->start();
  clock_.advance(60s);
  driver_.exit("app", ExitStatus{.exit_code = 1});
  drain(io_);
  ASSERT_EQ(of(*runner, "app").restart_count, 1);
  ASSERT_EQ(driver_.health_watches.size(), 2u);  // the new container is watched too
  EXPECT_EQ(driver_.health_watches[0].runtime_id, "rt-app-1");
  EXPECT_EQ(driver_.health_watches[1].runtime_id, "rt-app-2");

  driver_.report_health(0, "HEALTHY");  // about the removed container
  drain(io_);
  EXPECT_EQ(of(*runner, "app").health_status, "UNKNOWN");

  driver_.report_health(1, "UNHEALTHY");
  drain(io_);
  EXPECT_EQ(of(*runner, "app").health_status, "UNHEALTHY");
}

TEST_F(TaskRunnerDriverHealthTest, AReportAfterTheContainerStoppedIsIgnored) {
  auto runner = make(task({container("app"), checked(container("side", false))}));
  runner->start();
  driver_.exit("side", ExitStatus{.exit_code = 0});
  drain(io_);
  ASSERT_EQ(of(*runner, "side").last_status, "STOPPED");
  driver_.report_health(0, "HEALTHY");
  drain(io_);
  EXPECT_EQ(of(*runner, "side").health_status, "UNKNOWN");
}

TEST_F(TaskRunnerDriverHealthTest, AReportAfterTheRunnerIsGoneIsIgnored) {
  auto runner = make(task({checked(container("app"))}));
  runner->start();
  drain(io_);
  runner.reset();
  driver_.report_health(0, "HEALTHY");
  EXPECT_NO_THROW(drain(io_));
}

TEST_F(TaskRunnerDriverHealthTest, ARecoveredRunnerWatchesHealthAgain) {
  TaskStatus recovered;
  recovered.last_status = "RUNNING";
  recovered.containers.push_back(ContainerStatus{.name = "app",
                                                 .runtime_id = "rt-app",
                                                 .last_status = "RUNNING",
                                                 .handle = FakeDriver::handle_of("app")});
  auto runner = make(task({checked(container("app"))}), recovered);
  runner->start();
  EXPECT_TRUE(driver_.started.empty());
  ASSERT_EQ(driver_.health_watches.size(), 1u);
  driver_.report_health(0, "HEALTHY");
  drain(io_);
  EXPECT_EQ(of(*runner, "app").health_status, "HEALTHY");
}

}  // namespace
}  // namespace gantry::agent
