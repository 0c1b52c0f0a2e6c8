#pragma once
// Time is injected (after Envoy's TimeSource) so that tests run on a fake
// clock and are deterministic.
#include <atomic>
#include <chrono>

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

class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemTime{std::chrono::seconds{1700000000}})
      : now_(start.time_since_epoch().count()) {}
  SystemTime now() const override { return SystemTime{SystemTime::duration{now_.load()}}; }
  void set(SystemTime t) { now_ = t.time_since_epoch().count(); }
  void advance(std::chrono::nanoseconds d) {
    now_ += std::chrono::duration_cast<SystemTime::duration>(d).count();
  }

 private:
  std::atomic<SystemTime::rep> now_;
};

// Seconds since the epoch with millisecond precision, as the ECS wire
// format writes timestamps.
inline double to_epoch_seconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() /
         1000.0;
}

}  // namespace gantry::core
