#include "core/asio_timer_source.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace gantry::core {
namespace {

using namespace std::chrono_literals;

// The io_context's run() returns once no wait is pending: the test waits on
// the timer's own completion, never on a sleep.
TEST(AsioTimerSource, ArmedTimerFiresOnTheExecutor) {
  boost::asio::io_context io;
  AsioTimerSource timers(io.get_executor());
  int fired = 0;
  auto timer = timers.make_timer([&] { ++fired; });
  timer->arm(1ms);
  EXPECT_TRUE(timer->armed());
  io.run();
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(timer->armed());
}

TEST(AsioTimerSource, CancelledOrDestroyedTimerDoesNotFire) {
  boost::asio::io_context io;
  AsioTimerSource timers(io.get_executor());
  int fired = 0;
  auto cancelled = timers.make_timer([&] { ++fired; });
  auto destroyed = timers.make_timer([&] { ++fired; });
  auto witness = timers.make_timer([&] { fired += 10; });
  cancelled->arm(1ms);
  destroyed->arm(1ms);
  witness->arm(2ms);
  cancelled->cancel();
  destroyed.reset();
  io.run();
  EXPECT_EQ(fired, 10);
}

TEST(AsioTimerSource, ReArmingReplacesTheEarlierWait) {
  boost::asio::io_context io;
  AsioTimerSource timers(io.get_executor());
  int fired = 0;
  auto timer = timers.make_timer([&] { ++fired; });
  timer->arm(1h);
  timer->arm(1ms);
  io.run();
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace gantry::core
