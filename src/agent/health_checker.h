#pragma once
// Runs one container's healthCheck through Driver::exec, as Docker and ECS
// do: the first probe one `interval` after start(), each next one an
// `interval` after the previous finished; a probe that has not answered by
// `timeout` fails. The status starts UNKNOWN; a success makes it HEALTHY;
// `retries` consecutive failures make it UNHEALTHY. Failures within
// `start_period` of start() are not counted, unless a probe has already
// succeeded (then the container counts as started). Its intervals run on
// injected timers (core/timer.h), so that tests advance a FakeClock.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/task_spec.h"
#include "core/timer.h"

namespace gantry::agent {

// ["CMD", argv...] -> argv; ["CMD-SHELL", line] -> {"/bin/sh", "-c", line}.
// nullopt for any other form (such a check fails every probe).
std::optional<std::vector<std::string>> health_check_argv(const std::vector<std::string>& command);

class HealthChecker {
 public:
  // Called on the executor with the new status (HEALTHY or UNHEALTHY) when
  // it changes. The checker may be destroyed from inside the callback.
  using OnChange = std::function<void(const std::string& health_status)>;

  // Timers on the executor's steady clock.
  HealthChecker(boost::asio::any_io_executor executor, Driver& driver, ContainerHandle container,
                HealthCheckSpec spec, OnChange on_change);
  // Timers from `timers` (e.g. a FakeClock), which fire on the executor's
  // thread; `timers` outlives the checker.
  HealthChecker(boost::asio::any_io_executor executor, core::TimerSource& timers, Driver& driver,
                ContainerHandle container, HealthCheckSpec spec, OnChange on_change);
  // Stops; a probe still in flight is ignored when it answers.
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  void start();
  void stop();

  const std::string& status() const { return status_; }
  int consecutive_failures() const { return consecutive_failures_; }

  // How long past `timeout` a probe may go unanswered by the driver before
  // the checker counts it as failed on its own.
  static constexpr std::chrono::milliseconds kUnansweredGrace{1000};

 private:
  HealthChecker(boost::asio::any_io_executor executor, std::unique_ptr<core::TimerSource> owned,
                core::TimerSource* timers, Driver& driver, ContainerHandle container,
                HealthCheckSpec spec, OnChange on_change);
  void schedule_probe(std::chrono::milliseconds delay);
  void probe();
  void on_result(uint64_t attempt, bool success);
  void set_status(const char* status);

  boost::asio::any_io_executor executor_;
  Driver& driver_;
  ContainerHandle container_;
  HealthCheckSpec spec_;
  std::optional<std::vector<std::string>> argv_;
  OnChange on_change_;
  std::unique_ptr<core::TimerSource> owned_timers_;  // when none was given
  core::TimerSource& timers_;
  std::unique_ptr<core::Timer> interval_timer_;
  std::unique_ptr<core::Timer> timeout_timer_;
  std::unique_ptr<core::Timer> start_period_timer_;  // armed while the start period lasts
  bool probe_in_start_period_ = false;  // the current probe began within it
  bool running_ = false;
  bool succeeded_once_ = false;
  uint64_t attempt_ = 0;  // tells a late answer from the current one
  uint64_t timed_attempt_ = 0;  // the probe the timeout timer is armed for
  int consecutive_failures_ = 0;
  std::string status_;
  // Expires with the checker; callbacks hold a weak_ptr to it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gantry::agent
