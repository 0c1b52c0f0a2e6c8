#include "agent/health_checker.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>
#include <utility>

#include "agent/task_status.h"
#include "core/asio_timer_source.h"

namespace gantry::agent {

std::optional<std::vector<std::string>> health_check_argv(const std::vector<std::string>& command) {
  if (command.size() < 2) return std::nullopt;
  if (command[0] == "CMD") return std::vector<std::string>(command.begin() + 1, command.end());
  if (command[0] == "CMD-SHELL") {
    // Docker takes one shell line; join extra elements rather than drop them.
    std::string line = command[1];
    for (std::size_t i = 2; i < command.size(); ++i) line += " " + command[i];
    return std::vector<std::string>{"/bin/sh", "-c", std::move(line)};
  }
  return std::nullopt;
}

HealthChecker::HealthChecker(boost::asio::any_io_executor executor, Driver& driver,
                             ContainerHandle container, HealthCheckSpec spec, OnChange on_change)
    : HealthChecker(executor, std::make_unique<core::AsioTimerSource>(executor), nullptr, driver,
                    std::move(container), std::move(spec), std::move(on_change)) {}

HealthChecker::HealthChecker(boost::asio::any_io_executor executor, core::TimerSource& timers,
                             Driver& driver, ContainerHandle container, HealthCheckSpec spec,
                             OnChange on_change)
    : HealthChecker(std::move(executor), nullptr, &timers, driver, std::move(container),
                    std::move(spec), std::move(on_change)) {}

HealthChecker::HealthChecker(boost::asio::any_io_executor executor,
                             std::unique_ptr<core::TimerSource> owned, core::TimerSource* timers,
                             Driver& driver, ContainerHandle container, HealthCheckSpec spec,
                             OnChange on_change)
    : executor_(std::move(executor)),
      driver_(driver),
      container_(std::move(container)),
      spec_(std::move(spec)),
      argv_(health_check_argv(spec_.command)),
      on_change_(std::move(on_change)),
      owned_timers_(std::move(owned)),
      timers_(timers ? *timers : *owned_timers_),
      // The timers are the checker's own and die with it: `this` outlives them.
      interval_timer_(timers_.make_timer([this] {
        if (running_) probe();
      })),
      timeout_timer_(timers_.make_timer([this] { on_result(timed_attempt_, false); })),
      start_period_timer_(timers_.make_timer([] {})),
      status_(kHealthUnknown) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start() {
  if (running_) return;
  running_ = true;
  if (spec_.start_period > std::chrono::milliseconds::zero()) {
    start_period_timer_->arm(spec_.start_period);
  }
  schedule_probe(spec_.interval);
}

void HealthChecker::stop() {
  running_ = false;
  ++attempt_;  // an answer still in flight is now stale
  interval_timer_->cancel();
  timeout_timer_->cancel();
  start_period_timer_->cancel();
}

void HealthChecker::schedule_probe(std::chrono::milliseconds delay) {
  interval_timer_->arm(delay);
}

void HealthChecker::probe() {
  const uint64_t attempt = ++attempt_;
  probe_in_start_period_ = start_period_timer_->armed();
  if (!argv_) {
    on_result(attempt, false);
    return;
  }
  timed_attempt_ = attempt;
  timeout_timer_->arm(spec_.timeout + kUnansweredGrace);
  // Answers are posted so that a driver answering from inside exec() does
  // not re-enter the checker.
  auto answer = [weak = std::weak_ptr<bool>(alive_), this, attempt,
                 executor = executor_](bool success) {
    boost::asio::post(executor, [weak, this, attempt, success] {
      if (weak.expired()) return;
      on_result(attempt, success);
    });
  };
  try {
    driver_.exec(container_, *argv_, spec_.timeout, [answer](ExecResult result) {
      answer(result.exit_code == 0 && !result.timed_out);
    });
  } catch (const std::exception&) {
    answer(false);  // e.g. the container is gone: a failed probe
  }
}

void HealthChecker::on_result(uint64_t attempt, bool success) {
  if (!running_ || attempt != attempt_) return;  // stale: timed out, stopped or restarted
  ++attempt_;
  timeout_timer_->cancel();
  if (success) {
    succeeded_once_ = true;
    consecutive_failures_ = 0;
  } else if (succeeded_once_ || !probe_in_start_period_) {
    ++consecutive_failures_;
  }
  schedule_probe(spec_.interval);
  if (success) {
    set_status(kHealthHealthy);
  } else if (consecutive_failures_ >= std::max(1, spec_.retries)) {
    set_status(kHealthUnhealthy);
  }
}

void HealthChecker::set_status(const char* status) {
  if (status_ == status) return;
  status_ = status;
  // Copies: the callback may destroy this checker.
  auto on_change = on_change_;
  auto reported = status_;
  if (on_change) on_change(reported);
}

}  // namespace gantry::agent
