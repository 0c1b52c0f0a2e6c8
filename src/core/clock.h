#pragma once
// Time is injected (after Envoy's TimeSource) so that tests run on a fake
// clock and are deterministic. Timers come from a TimerSource (timer.h);
// the fake clock is one, so that advancing it fires them.
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "core/timer.h"

namespace gantry::core {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// Time moves only when a test moves it. Its timers fire inside advance(),
// on the caller's thread, in the order they fall due (ties in the order they
// were armed), each with now() at its due time; a timer armed by a callback
// fires in the same advance if it falls due within it. now() may be read
// from any thread; the clock outlives its timers.
class FakeClock final : public Clock, public TimerSource {
 public:
  explicit FakeClock(SystemTime start = SystemTime{std::chrono::seconds{1700000000}})
      : now_(start.time_since_epoch().count()) {}
  ~FakeClock() override;

  SystemTime now() const override { return SystemTime{SystemTime::duration{now_.load()}}; }
  // Forward: as advance(); backward: moves the time only.
  void set(SystemTime t);
  void advance(std::chrono::nanoseconds d);

  std::unique_ptr<Timer> make_timer(TimerCallback callback) override;
  size_t armed_timers() const;

 private:
  class FakeTimer;
  struct TimerState;
  using DueKey = std::pair<SystemTime::rep, uint64_t>;  // due time, arming order

  void arm(const std::shared_ptr<TimerState>& timer, std::chrono::nanoseconds delay);
  void cancel(TimerState& timer);

  std::atomic<SystemTime::rep> now_;
  mutable std::mutex timers_mutex_;
  std::map<DueKey, std::shared_ptr<TimerState>> due_;
  uint64_t next_sequence_ = 0;
};

// Seconds since the epoch with millisecond precision, as the ECS wire
// format writes timestamps.
inline double to_epoch_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() /
         1000.0;
}

// The time a wire timestamp (epoch seconds) names, to the millisecond.
inline SystemTime from_epoch_seconds(double seconds) {
  return SystemTime{std::chrono::milliseconds{std::llround(seconds * 1000.0)}};
}

}  // namespace gantry::core
