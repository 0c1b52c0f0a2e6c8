#pragma once
// Timers on an asio executor's steady clock; callbacks run as handlers on
// that executor.
#include <boost/asio/any_io_executor.hpp>

#include "core/timer.h"

namespace gantry::core {

class AsioTimerSource final : public TimerSource {
 public:
  explicit AsioTimerSource(boost::asio::any_io_executor executor)
      : executor_(std::move(executor)) {}
  std::unique_ptr<Timer> make_timer(TimerCallback callback) override;

 private:
  boost::asio::any_io_executor executor_;
};

}  // namespace gantry::core
