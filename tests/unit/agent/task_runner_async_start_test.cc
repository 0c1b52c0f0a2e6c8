// The task runner with a driver that answers start() later, as the Docker
// driver does (it pulls and starts off the agent's thread).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "agent/fake_driver.h"
#include "agent/task_runner_fixture.h"
#include "agent/run_until.h"
#include "agent/task_runner.h"

namespace gantry::agent {
namespace {

using testing::drain;
using testing::FakeDriver;
using Names = std::vector<std::string>;

using testing::container;
using testing::task;

class TaskRunnerAsyncStartTest : public testing::TaskRunnerFixture {
 protected:
  TaskRunnerAsyncStartTest() { driver_.answer_later = true; }
};

TEST_F(TaskRunnerAsyncStartTest, ContainersStayPendingUntilTheDriverAnswers) {
  auto runner = make(task({container("a"), container("b")}));
  runner->start();
  drain(io_);
  EXPECT_EQ(driver_.starts_held(), 2u);
  EXPECT_EQ(runner->status().last_status, kStatusPending);
  EXPECT_EQ(runner->status().containers[0].last_status, kStatusPending);
  // Created, not yet answered: its id is known for the metadata endpoint.
  EXPECT_EQ(runner->status().containers[0].runtime_id, FakeDriver::runtime_id_of("a"));

  driver_.answer_starts();
  drain(io_);
  EXPECT_EQ(runner->status().last_status, kStatusRunning);
  EXPECT_EQ(runner->status().containers[0].runtime_id, FakeDriver::runtime_id_of("a"));
  EXPECT_EQ(driver_.watched, (Names{"a", "b"}));
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back().last_status, kStatusRunning);
}

TEST_F(TaskRunnerAsyncStartTest, AStartDependencyWaitsForTheAnswer) {
  auto b = container("b");
  b.depends_on.push_back({"a", "START"});
  auto runner = make(task({container("a"), b}));
  runner->start();
  drain(io_);
  EXPECT_EQ(driver_.starts_held(), 1u);  // b waits for a to have started

  driver_.answer_starts();
  drain(io_);
  EXPECT_EQ(driver_.starts_held(), 1u);  // now b's start is under way
  driver_.answer_starts();
  drain(io_);
  EXPECT_EQ(driver_.started, (Names{"a", "b"}));
  EXPECT_EQ(runner->status().last_status, kStatusRunning);
}

TEST_F(TaskRunnerAsyncStartTest, AStopDuringAStartStopsTheContainerOnceItRuns) {
  driver_.exit_on_stop = false;  // the test says when it exits
  auto runner = make(task({container("a")}));
  runner->start();
  drain(io_);
  runner->stop({});
  drain(io_);
  // Not STOPPED while a container may still come up.
  EXPECT_NE(runner->status().last_status, kStatusStopped);
  EXPECT_TRUE(driver_.stops.empty());

  driver_.answer_starts();
  drain(io_);
  ASSERT_EQ(driver_.stops.size(), 1u);
  EXPECT_EQ(driver_.stops[0].name, "a");
  EXPECT_NE(runner->status().last_status, kStatusStopped);

  driver_.exit("a", ExitStatus{143});
  drain(io_);
  EXPECT_EQ(runner->status().last_status, kStatusStopped);
  EXPECT_EQ(runner->status().stopped_reason, kStoppedByUser);
  EXPECT_EQ(runner->status().containers[0].exit_code, 143);
}

TEST_F(TaskRunnerAsyncStartTest, AFailedAnswerStopsTheTaskWithItsReason) {
  driver_.start_failures["a"] = "CannotPullContainerError: no such image";
  auto runner = make(task({container("a"), container("b", false)}));
  runner->start();
  drain(io_);
  driver_.answer_starts();
  drain(io_);
  // b started (its answer held by the fake) before a failed; once it runs it is stopped.
  driver_.answer_starts();
  drain(io_);
  if (runner->status().containers[1].last_status == kStatusRunning) driver_.exit("b", {143});
  drain(io_);
  EXPECT_EQ(runner->status().last_status, kStatusStopped);
  EXPECT_EQ(runner->status().stopped_reason, "CannotPullContainerError: no such image");
  EXPECT_EQ(runner->status().containers[0].reason, "CannotPullContainerError: no such image");
}

TEST_F(TaskRunnerAsyncStartTest, ALateAnswerToADestroyedRunnerIsIgnored) {
  auto runner = make(task({container("a")}));
  runner->start();
  drain(io_);
  runner.reset();
  driver_.answer_starts();
  drain(io_);  // must not touch the destroyed runner
  EXPECT_TRUE(driver_.watched.empty());
}

}  // namespace
}  // namespace gantry::agent
