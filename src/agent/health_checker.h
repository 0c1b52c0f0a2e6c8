#pragma once
// Runs one container's healthCheck through Driver::exec, as Docker and ECS
// do: the first probe one `interval` after start(), each next one an
// `interval` after the previous finished; a probe that has not answered by
// `timeout` fails. The status starts UNKNOWN; a success makes it HEALTHY;
// `retries` consecutive failures make it UNHEALTHY. Failures within
// `start_period` of start() are not counted, unless a probe has already
// succeeded (then the container counts as started).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/task_spec.h"

namespace gantry::agent {

// ["CMD", argv...] -> argv; ["CMD-SHELL", line] -> {"/bin/sh", "-c", line}.
// nullopt for any other form (such a check fails every probe).
std::optional<std::vector<std::string>> health_check_argv(const std::vector<std::string>& command);

class HealthChecker {
 public:
  // Called on the executor with the new status (HEALTHY or UNHEALTHY) when
  // it changes. The checker may be destroyed from inside the callback.
  using OnChange = std::function<void(const std::string& health_status)>;

  HealthChecker(boost::asio::any_io_executor executor, Driver& driver, ContainerHandle container,
                HealthCheckSpec spec, OnChange on_change);
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
  void schedule_probe(std::chrono::milliseconds delay);
  void probe();
  void on_result(uint64_t attempt, bool success);
  bool in_start_period() const;
  void set_status(const char* status);

  boost::asio::any_io_executor executor_;
  Driver& driver_;
  ContainerHandle container_;
  HealthCheckSpec spec_;
  std::optional<std::vector<std::string>> argv_;
  OnChange on_change_;
  boost::asio::steady_timer interval_timer_;
  boost::asio::steady_timer timeout_timer_;
  std::chrono::steady_clock::time_point started_at_;
  std::chrono::steady_clock::time_point probe_started_at_;
  bool running_ = false;
  bool succeeded_once_ = false;
  uint64_t attempt_ = 0;  // tells a late answer from the current one
  int consecutive_failures_ = 0;
  std::string status_;
  // Expires with the checker; callbacks hold a weak_ptr to it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gantry::agent
