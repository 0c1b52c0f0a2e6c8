#include "core/asio_timer_source.h"

#include <boost/asio/steady_timer.hpp>

#include <atomic>

namespace gantry::core {

namespace {

// What a pending wait needs after the timer is gone: a wait's handler may
// run after the timer was destroyed, or after it was re-armed (when it had
// already completed), so it fires only if it is still the latest arming.
struct TimerShared {
  explicit TimerShared(TimerCallback callback) : callback(std::move(callback)) {}
  TimerCallback callback;
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> armed{false};
};

class AsioTimer final : public Timer {
 public:
  AsioTimer(const boost::asio::any_io_executor& executor, TimerCallback callback)
      : timer_(executor), shared_(std::make_shared<TimerShared>(std::move(callback))) {}
  ~AsioTimer() override { cancel(); }

  void arm(std::chrono::nanoseconds delay) override {
    uint64_t generation = ++shared_->generation;
    shared_->armed = true;
    timer_.expires_after(delay);
    timer_.async_wait([shared = shared_, generation](boost::system::error_code ec) {
      if (ec || shared->generation != generation) return;
      shared->armed = false;
      shared->callback();
    });
  }

  void cancel() override {
    ++shared_->generation;
    shared_->armed = false;
    timer_.cancel();
  }

  bool armed() const override { return shared_->armed; }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<TimerShared> shared_;
};

}  // namespace

std::unique_ptr<Timer> AsioTimerSource::make_timer(TimerCallback callback) {
  return std::make_unique<AsioTimer>(executor_, std::move(callback));
}

}  // namespace gantry::core
