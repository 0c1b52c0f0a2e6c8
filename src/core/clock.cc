#include "core/clock.h"

#include <algorithm>
#include <optional>

namespace gantry::core {

struct FakeClock::TimerState {
  explicit TimerState(TimerCallback callback) : callback(std::move(callback)) {}
  // Kept by the state, not the timer: a callback may destroy its own timer.
  TimerCallback callback;
  std::optional<DueKey> scheduled;  // under the clock's timers_mutex_
};

class FakeClock::FakeTimer final : public Timer {
 public:
  FakeTimer(FakeClock& clock, TimerCallback callback)
      : clock_(clock), state_(std::make_shared<TimerState>(std::move(callback))) {}
  ~FakeTimer() override { clock_.cancel(*state_); }

  void arm(std::chrono::nanoseconds delay) override { clock_.arm(state_, delay); }
  void cancel() override { clock_.cancel(*state_); }
  bool armed() const override {
    std::lock_guard lock(clock_.timers_mutex_);
    return state_->scheduled.has_value();
  }

 private:
  FakeClock& clock_;
  std::shared_ptr<TimerState> state_;
};

FakeClock::~FakeClock() = default;

void FakeClock::set(SystemTime t) {
  auto target = t.time_since_epoch().count();
  auto current = now_.load();
  if (target <= current) {
    now_ = target;
    return;
  }
  advance(SystemTime::duration{target - current});
}

void FakeClock::advance(std::chrono::nanoseconds d) {
  const SystemTime::rep target =
      now_.load() + std::chrono::duration_cast<SystemTime::duration>(d).count();
  if (d < std::chrono::nanoseconds::zero()) {
    now_ = target;  // back in time (a skewed client's clock): nothing falls due
    return;
  }
  for (;;) {
    std::shared_ptr<TimerState> firing;
    {
      std::lock_guard lock(timers_mutex_);
      auto first = due_.begin();
      if (first == due_.end() || first->first.first > target) break;
      now_ = std::max(now_.load(), first->first.first);
      firing = std::move(first->second);
      firing->scheduled.reset();
      due_.erase(first);
    }
    // Outside the lock: the callback may arm, cancel or destroy timers.
    firing->callback();
  }
  now_ = std::max(now_.load(), target);
}

std::unique_ptr<Timer> FakeClock::make_timer(TimerCallback callback) {
  return std::make_unique<FakeTimer>(*this, std::move(callback));
}

size_t FakeClock::armed_timers() const {
  std::lock_guard lock(timers_mutex_);
  return due_.size();
}

void FakeClock::arm(const std::shared_ptr<TimerState>& timer, std::chrono::nanoseconds delay) {
  std::lock_guard lock(timers_mutex_);
  if (timer->scheduled) due_.erase(*timer->scheduled);
  auto delay_ticks = std::chrono::duration_cast<SystemTime::duration>(
                         std::max(delay, std::chrono::nanoseconds::zero()))
                         .count();
  DueKey key{now_.load() + delay_ticks, next_sequence_++};
  due_.emplace(key, timer);
  timer->scheduled = key;
}

void FakeClock::cancel(TimerState& timer) {
  std::lock_guard lock(timers_mutex_);
  if (!timer.scheduled) return;
  due_.erase(*timer.scheduled);
  timer.scheduled.reset();
}

}  // namespace gantry::core
