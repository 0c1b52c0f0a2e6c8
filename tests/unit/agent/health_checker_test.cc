#include "agent/health_checker.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>

#include "agent/fake_driver.h"
#include "agent/run_until.h"

namespace gantry::agent {
namespace {

using namespace std::chrono_literals;
using testing::FakeDriver;
using testing::run_until;

HealthCheckSpec fast_check(int retries = 3, std::chrono::milliseconds start_period = 0ms) {
  return HealthCheckSpec{.command = {"CMD", "/bin/check", "--quick"},
                         .interval = 5ms,
                         .timeout = 40ms,
                         .retries = retries,
                         .start_period = start_period};
}

ExecResult exits(int code) { return ExecResult{.exit_code = code}; }

class HealthCheckerTest : public ::testing::Test {
 protected:
  std::unique_ptr<HealthChecker> make(HealthCheckSpec spec) {
    return std::make_unique<HealthChecker>(io_.get_executor(), driver_,
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

  boost::asio::io_context io_;
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
  auto checker = make(fast_check());
  EXPECT_EQ(checker->status(), "UNKNOWN");
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return checker->status() == "HEALTHY"; }));
  EXPECT_EQ(changes_, std::vector<std::string>{"HEALTHY"});
  ASSERT_FALSE(driver_.execs.empty());
  EXPECT_EQ(driver_.execs[0].argv, (std::vector<std::string>{"/bin/check", "--quick"}));
  EXPECT_EQ(driver_.execs[0].timeout, 40ms);
  // Further successes are no change.
  ASSERT_TRUE(run_until(io_, [&] { return driver_.exec_count("app") >= 4; }));
  EXPECT_EQ(changes_.size(), 1u);
}

TEST_F(HealthCheckerTest, ShellFormRunsThroughSh) {
  auto spec = fast_check();
  spec.command = {"CMD-SHELL", "test -f /ready"};
  auto checker = make(spec);
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return !driver_.execs.empty(); }));
  EXPECT_EQ(driver_.execs[0].argv, (std::vector<std::string>{"/bin/sh", "-c", "test -f /ready"}));
}

TEST_F(HealthCheckerTest, RetriesConsecutiveFailuresTurnUnhealthy) {
  script({1, 1, 0, 1, 1, 1});  // the success in between resets the count
  auto checker = make(fast_check(3));
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return checker->status() == "UNHEALTHY"; }));
  EXPECT_EQ(changes_, (std::vector<std::string>{"HEALTHY", "UNHEALTHY"}));
  EXPECT_EQ(execs_at_change_, (std::vector<int>{3, 6}));
  EXPECT_GE(checker->consecutive_failures(), 3);
}

TEST_F(HealthCheckerTest, TimedOutProbeIsAFailure) {
  driver_.exec_result = [](const std::string&) {
    return ExecResult{.exit_code = 0, .timed_out = true};
  };
  auto checker = make(fast_check(2));
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return checker->status() == "UNHEALTHY"; }));
  EXPECT_EQ(execs_at_change_, std::vector<int>{2});
}

TEST_F(HealthCheckerTest, FailuresInTheStartPeriodDoNotCount) {
  script({1});
  auto checker = make(fast_check(1, 300ms));
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return driver_.exec_count("app") >= 3; }));
  EXPECT_EQ(checker->status(), "UNKNOWN");  // three failures, none counted
  EXPECT_EQ(checker->consecutive_failures(), 0);
  const int uncounted = driver_.exec_count("app");
  // Once the period is over, the first failure counts (retries is 1).
  ASSERT_TRUE(run_until(io_, [&] { return checker->status() == "UNHEALTHY"; }));
  EXPECT_EQ(changes_, std::vector<std::string>{"UNHEALTHY"});
  ASSERT_EQ(execs_at_change_.size(), 1u);
  EXPECT_GT(execs_at_change_[0], uncounted);
}

TEST_F(HealthCheckerTest, SuccessEndsTheStartPeriod) {
  script({0, 1, 1});
  auto checker = make(fast_check(2, 10s));
  checker->start();
  // Well inside the ten-second start period, the failures after a success count.
  ASSERT_TRUE(run_until(io_, [&] { return checker->status() == "UNHEALTHY"; }));
  EXPECT_EQ(changes_, (std::vector<std::string>{"HEALTHY", "UNHEALTHY"}));
  EXPECT_EQ(execs_at_change_, (std::vector<int>{1, 3}));
}

TEST_F(HealthCheckerTest, LaterSuccessTurnsHealthyAgain) {
  script({1, 1, 0});
  auto checker = make(fast_check(2));
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return changes_.size() == 2; }));
  EXPECT_EQ(changes_, (std::vector<std::string>{"UNHEALTHY", "HEALTHY"}));
  EXPECT_EQ(checker->consecutive_failures(), 0);
}

TEST_F(HealthCheckerTest, StopEndsTheProbes) {
  auto checker = make(fast_check());
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return driver_.exec_count("app") >= 2; }));
  checker->stop();
  const int probes = driver_.exec_count("app");
  io_.restart();
  io_.run_for(40ms);
  EXPECT_EQ(driver_.exec_count("app"), probes);
}

TEST_F(HealthCheckerTest, DestroyedWhileAProbeIsInFlight) {
  driver_.hang_exec = true;
  auto checker = make(fast_check());
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return driver_.unanswered_execs.size() == 1; }));
  checker.reset();
  driver_.unanswered_execs[0](exits(0));  // the answer arrives after all
  io_.restart();
  io_.run_for(20ms);
  EXPECT_TRUE(changes_.empty());
}

TEST_F(HealthCheckerTest, ProbeTheDriverNeverAnswersFails) {
  driver_.hang_exec = true;
  auto spec = fast_check(1);
  spec.timeout = 10ms;
  auto checker = make(spec);
  checker->start();
  ASSERT_TRUE(run_until(
      io_, [&] { return checker->status() == "UNHEALTHY"; }, 1900ms));
  // The late answer of that probe is ignored.
  driver_.unanswered_execs[0](exits(0));
  testing::drain(io_);
  EXPECT_EQ(checker->status(), "UNHEALTHY");
}

TEST_F(HealthCheckerTest, UnusableCommandFailsWithoutExec) {
  auto spec = fast_check(2);
  spec.command = {"/bin/check"};
  auto checker = make(spec);
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return checker->status() == "UNHEALTHY"; }));
  EXPECT_TRUE(driver_.execs.empty());
}

TEST_F(HealthCheckerTest, CallbackMayDestroyTheChecker) {
  std::unique_ptr<HealthChecker> checker;
  int calls = 0;
  checker =
      std::make_unique<HealthChecker>(io_.get_executor(), driver_, FakeDriver::handle_of("app"),
                                      fast_check(), [&](const std::string&) {
                                        ++calls;
                                        checker.reset();
                                      });
  checker->start();
  ASSERT_TRUE(run_until(io_, [&] { return calls == 1; }));
  const int probes = driver_.exec_count("app");
  io_.restart();
  io_.run_for(30ms);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(driver_.exec_count("app"), probes);
}

}  // namespace
}  // namespace gantry::agent
