#include "agent/health_checker.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>

#include "agent/fake_driver.h"
#include "agent/run_until.h"
#include "core/clock.h"

namespace gantry::agent {
namespace {

using namespace std::chrono_literals;
using testing::FakeDriver;

// Realistic intervals: they pass on the fake clock, never on the wall clock.
HealthCheckSpec check(int retries = 3, std::chrono::milliseconds start_period = 0ms) {
  return HealthCheckSpec{.command = {"CMD", "/bin/check", "--quick"},
                         .interval = 5s,
                         .timeout = 2s,
                         .retries = retries,
                         .start_period = start_period};
}

ExecResult exits(int code) { return ExecResult{.exit_code = code}; }

class HealthCheckerTest : public ::testing::Test {
 protected:
  std::unique_ptr<HealthChecker> make(HealthCheckSpec spec) {
    return std::make_unique<HealthChecker>(io_.get_executor(), clock_, driver_,
                                           FakeDriver::handle_of("app"), std::move(spec),
                                           [this](const std::string& status) {
                                             changes_.push_back(status);
                                             execs_at_change_.push_back(driver_.exec_count("app"));
                                           });
  }
  // Answers the probes in turn from `script`, then with the last entry.
  void script(std::vector<int> codes) {
    driver_.exec_result = [this, codes = std::move(codes)](const std::string&) {
      const auto n = static_cast<std::size_t>(driver_.exec_count("app")) - 1;
      return exits(codes[std::min(n, codes.size() - 1)]);
    };
  }
  // Moves the clock (firing the timers due), then runs the driver's answers.
  void advance(std::chrono::milliseconds d) {
    clock_.advance(d);
    testing::drain(io_);
  }
  // One interval: one probe, answered.
  void tick(int probes = 1) {
    for (int i = 0; i < probes; ++i) advance(5s);
  }

  boost::asio::io_context io_;
  core::FakeClock clock_;
  FakeDriver driver_{io_.get_executor()};
  std::vector<std::string> changes_;
  std::vector<int> execs_at_change_;
};

TEST(HealthCheckerArgv, FollowsEcsCommandForms) {
  EXPECT_EQ(health_check_argv({"CMD", "/bin/check", "-v"}),
            (std::vector<std::string>{"/bin/check", "-v"}));
  EXPECT_EQ(health_check_argv({"CMD-SHELL", "curl -f localhost || exit 1"}),
            (std::vector<std::string>{"/bin/sh", "-c", "curl -f localhost || exit 1"}));
  EXPECT_EQ(health_check_argv({"CMD-SHELL", "echo", "hi"}),
            (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_FALSE(health_check_argv({"CMD"}));
  EXPECT_FALSE(health_check_argv({"/bin/check"}));
  EXPECT_FALSE(health_check_argv({"NONE", "x"}));
  EXPECT_FALSE(health_check_argv({}));
}

TEST_F(HealthCheckerTest, SuccessTurnsHealthy) {
  auto checker = make(check());
  EXPECT_EQ(checker->status(), "UNKNOWN");
  checker->start();
  advance(5s - 1ms);
  EXPECT_TRUE(driver_.execs.empty());  // the first probe comes an interval after start
  advance(1ms);
  EXPECT_EQ(checker->status(), "HEALTHY");
  EXPECT_EQ(changes_, std::vector<std::string>{"HEALTHY"});
  ASSERT_EQ(driver_.execs.size(), 1u);
  EXPECT_EQ(driver_.execs[0].argv, (std::vector<std::string>{"/bin/check", "--quick"}));
  EXPECT_EQ(driver_.execs[0].timeout, 2s);
  // Further successes are no change.
  tick(3);
  EXPECT_EQ(driver_.exec_count("app"), 4);
  EXPECT_EQ(changes_.size(), 1u);
}

TEST_F(HealthCheckerTest, ShellFormRunsThroughSh) {
  auto spec = check();
  spec.command = {"CMD-SHELL", "test -f /ready"};
  auto checker = make(spec);
  checker->start();
  tick();
  ASSERT_FALSE(driver_.execs.empty());
  EXPECT_EQ(driver_.execs[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "test -f /ready"}));
}

TEST_F(HealthCheckerTest, RetriesConsecutiveFailuresTurnUnhealthy) {
  script({1, 1, 0, 1, 1, 1});  // the success in between resets the count
  auto checker = make(check(3));
  checker->start();
  tick(6);
  EXPECT_EQ(checker->status(), "UNHEALTHY");
  EXPECT_EQ(changes_, (std::vector<std::string>{"HEALTHY", "UNHEALTHY"}));
  EXPECT_EQ(execs_at_change_, (std::vector<int>{3, 6}));
  EXPECT_EQ(checker->consecutive_failures(), 3);
}

TEST_F(HealthCheckerTest, TimedOutProbeIsAFailure) {
  driver_.exec_result = [](const std::string&) {
    return ExecResult{.exit_code = 0, .timed_out = true};
  };
  auto checker = make(check(2));
  checker->start();
  tick(2);
  EXPECT_EQ(checker->status(), "UNHEALTHY");
  EXPECT_EQ(execs_at_change_, std::vector<int>{2});
}

TEST_F(HealthCheckerTest, FailuresInTheStartPeriodDoNotCount) {
  script({1});
  auto checker = make(check(1, 15s));
  checker->start();
  tick(2);  // probes at 5 s and 10 s, inside the start period
  EXPECT_EQ(driver_.exec_count("app"), 2);
  EXPECT_EQ(checker->status(), "UNKNOWN");
  EXPECT_EQ(checker->consecutive_failures(), 0);
  tick();  // at 15 s the start period is over: this failure counts
  EXPECT_EQ(checker->status(), "UNHEALTHY");
  EXPECT_EQ(changes_, std::vector<std::string>{"UNHEALTHY"});
  EXPECT_EQ(execs_at_change_, std::vector<int>{3});
}

TEST_F(HealthCheckerTest, SuccessEndsTheStartPeriod) {
  script({0, 1, 1});
  auto checker = make(check(2, 10min));
  checker->start();
  // Well inside the start period, the failures after a success count.
  tick(3);
  EXPECT_EQ(changes_, (std::vector<std::string>{"HEALTHY", "UNHEALTHY"}));
  EXPECT_EQ(execs_at_change_, (std::vector<int>{1, 3}));
}

TEST_F(HealthCheckerTest, LaterSuccessTurnsHealthyAgain) {
  script({1, 1, 0});
  auto checker = make(check(2));
  checker->start();
  tick(3);
  EXPECT_EQ(changes_, (std::vector<std::string>{"UNHEALTHY", "HEALTHY"}));
  EXPECT_EQ(checker->consecutive_failures(), 0);
}

TEST_F(HealthCheckerTest, StopEndsTheProbes) {
  auto checker = make(check());
  checker->start();
  tick(2);
  checker->stop();
  EXPECT_EQ(clock_.armed_timers(), 0u);
  advance(1h);
  EXPECT_EQ(driver_.exec_count("app"), 2);
}

TEST_F(HealthCheckerTest, DestroyedWhileAProbeIsInFlight) {
  driver_.hang_exec = true;
  auto checker = make(check());
  checker->start();
  tick();
  ASSERT_EQ(driver_.unanswered_execs.size(), 1u);
  checker.reset();
  EXPECT_EQ(clock_.armed_timers(), 0u);
  driver_.unanswered_execs[0](exits(0));  // the answer arrives after all
  advance(1h);
  EXPECT_TRUE(changes_.empty());
}

TEST_F(HealthCheckerTest, ProbeTheDriverNeverAnswersFails) {
  driver_.hang_exec = true;
  auto checker = make(check(1));
  checker->start();
  tick();
  ASSERT_EQ(driver_.unanswered_execs.size(), 1u);
  advance(2s + HealthChecker::kUnansweredGrace - 1ms);
  EXPECT_EQ(checker->status(), "UNKNOWN");
  advance(1ms);
  EXPECT_EQ(checker->status(), "UNHEALTHY");
  // The late answer of that probe is ignored.
  driver_.unanswered_execs[0](exits(0));
  testing::drain(io_);
  EXPECT_EQ(checker->status(), "UNHEALTHY");
}

TEST_F(HealthCheckerTest, UnusableCommandFailsWithoutExec) {
  auto spec = check(2);
  spec.command = {"/bin/check"};
  auto checker = make(spec);
  checker->start();
  tick(2);
  EXPECT_EQ(checker->status(), "UNHEALTHY");
  EXPECT_TRUE(driver_.execs.empty());
}

TEST_F(HealthCheckerTest, CallbackMayDestroyTheChecker) {
  std::unique_ptr<HealthChecker> checker;
  int calls = 0;
  checker = std::make_unique<HealthChecker>(io_.get_executor(), clock_, driver_,
                                            FakeDriver::handle_of("app"), check(),
                                            [&](const std::string&) {
                                              ++calls;
                                              checker.reset();
                                            });
  checker->start();
  tick();
  EXPECT_EQ(calls, 1);
  const int probes = driver_.exec_count("app");
  advance(1h);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(driver_.exec_count("app"), probes);
}

// The default constructor's timers are the executor's: one real probe.
TEST_F(HealthCheckerTest, RunsOnTheExecutorsTimersByDefault) {
  HealthCheckSpec spec = check();
  spec.interval = 1ms;
  auto checker = std::make_unique<HealthChecker>(
      io_.get_executor(), driver_, FakeDriver::handle_of("app"), spec,
      [&](const std::string& status) { changes_.push_back(status); });
  checker->start();
  while (changes_.empty()) io_.run_one();  // waits on the timer itself, not a sleep
  EXPECT_EQ(changes_, std::vector<std::string>{"HEALTHY"});
}

}  // namespace
}  // namespace gantry::agent
