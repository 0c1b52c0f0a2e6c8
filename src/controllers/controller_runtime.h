#pragma once
// Runs controllers (controller.h) on an executor: one reconcile in flight
// per controller, wakes that arrive meanwhile coalesced into one more run,
// failures logged and retried with capped exponential back-off on the
// controller's timer, and a full reconcile of every controller when the
// event log says changes were lost. Everything but the callbacks of the
// writer and the log runs on a strand of the executor, so a test drives it
// with an io_context it runs by hand and a FakeClock's timers.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "controllers/controller.h"
#include "core/clock.h"
#include "core/timer.h"
#include "state/control_state.h"

namespace gantry::controllers {

struct RuntimeOptions {
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(2)};
};

// How a controller has fared, for tests and diagnostics.
struct ControllerStatus {
  uint64_t reconciles = 0;  // runs started
  uint64_t failures = 0;    // runs that failed, in all
  uint64_t consecutive_failures = 0;
  bool in_flight = false;
};

class ControllerRuntime {
 public:
  // `state`, `clock` and `timers` outlive the runtime.
  ControllerRuntime(boost::asio::any_io_executor executor, state::ControlState& state,
                    const core::Clock& clock, core::TimerSource& timers,
                    RuntimeOptions options = {});
  // Stops it (see stop()).
  ~ControllerRuntime();
  ControllerRuntime(const ControllerRuntime&) = delete;
  ControllerRuntime& operator=(const ControllerRuntime&) = delete;

  // Before start().
  void add(std::unique_ptr<Controller> controller);
  // Subscribes to the event log and reconciles every controller once.
  void start();
  // Asks for a reconcile of the named controller, as a change would.
  void wake(std::string_view name);
  // No reconcile starts afterwards, and answers still in flight are
  // dropped. Call it on the executor's thread or once the executor has
  // stopped running; the executor may then be destroyed after the runtime.
  void stop();

  // On the executor's thread (or once it has stopped running).
  ControllerStatus status(std::string_view name) const;

 private:
  struct Shared;
  struct Slot;

  void drain_log();
  void request(Slot& slot);
  void run(Slot& slot);
  void answered(Slot& slot, const state::Answer& answer);
  void finish(Slot& slot);
  void fail(Slot& slot, const std::string& why);
  void schedule(Slot& slot, core::SystemTime at);
  Slot* find(std::string_view name) const;

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  state::ControlState& state_;
  const core::Clock& clock_;
  core::TimerSource& timers_;
  const RuntimeOptions options_;
  std::shared_ptr<Shared> shared_;  // with the callbacks of the writer, the log and the timers
  std::vector<std::unique_ptr<Slot>> slots_;
  state::EventLog::Subscription subscription_;
  int64_t cursor_ = 0;  // the last log revision read
  bool started_ = false;
};

}  // namespace gantry::controllers
