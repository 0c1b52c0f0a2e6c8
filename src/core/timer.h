#pragma once
// One-shot timers from an injected source (after Envoy's Event::Timer and
// its simulated time system): production code arms timers on an executor,
// tests on a FakeClock whose time they advance by hand.
#include <chrono>
#include <functional>
#include <memory>

namespace gantry::core {

using TimerCallback = std::function<void()>;

// Fires its callback once, `delay` after it was armed. Arming an armed
// timer moves it; cancelling, or destroying it, means the callback will not
// run (a callback already running finishes). A timer is armed, cancelled
// and destroyed on one thread: the one its source fires callbacks on.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void arm(std::chrono::nanoseconds delay) = 0;
  virtual void cancel() = 0;
  virtual bool armed() const = 0;
};

class TimerSource {
 public:
  virtual ~TimerSource() = default;
  virtual std::unique_ptr<Timer> make_timer(TimerCallback callback) = 0;
};

}  // namespace gantry::core
