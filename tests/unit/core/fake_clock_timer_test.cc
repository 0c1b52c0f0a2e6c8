#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"

namespace gantry::core {
namespace {

using namespace std::chrono_literals;

TEST(FakeClockTimer, FiresDueTimersInDueOrderAtTheirDueTime) {
  FakeClock clock;
  const SystemTime start = clock.now();
  std::vector<std::pair<std::string, SystemTime>> fired;
  auto record = [&](std::string name) {
    return [&, name] { fired.emplace_back(name, clock.now()); };
  };
  auto late = clock.make_timer(record("late"));
  auto early = clock.make_timer(record("early"));
  auto tie = clock.make_timer(record("tie"));
  auto beyond = clock.make_timer(record("beyond"));
  late->arm(30s);
  early->arm(10s);
  tie->arm(30s);  // armed after `late`: fires after it
  beyond->arm(61s);

  clock.advance(60s);

  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], std::make_pair(std::string("early"), start + 10s));
  EXPECT_EQ(fired[1], std::make_pair(std::string("late"), start + 30s));
  EXPECT_EQ(fired[2], std::make_pair(std::string("tie"), start + 30s));
  EXPECT_EQ(clock.now(), start + 60s);
  EXPECT_TRUE(beyond->armed());
  EXPECT_FALSE(early->armed());

  clock.advance(1s);
  ASSERT_EQ(fired.size(), 4u);
  EXPECT_EQ(fired[3].first, "beyond");
}

TEST(FakeClockTimer, FiresOnceAndNotWhenCancelled) {
  FakeClock clock;
  int fired = 0;
  auto timer = clock.make_timer([&] { ++fired; });
  timer->arm(1s);
  clock.advance(1s);
  clock.advance(1h);
  EXPECT_EQ(fired, 1);

  timer->arm(1s);
  timer->cancel();
  EXPECT_FALSE(timer->armed());
  clock.advance(1h);
  EXPECT_EQ(fired, 1);
}

TEST(FakeClockTimer, ArmingAgainMovesTheTimer) {
  FakeClock clock;
  int fired = 0;
  auto timer = clock.make_timer([&] { ++fired; });
  timer->arm(1s);
  timer->arm(10s);
  EXPECT_EQ(clock.armed_timers(), 1u);
  clock.advance(9s);
  EXPECT_EQ(fired, 0);
  clock.advance(1s);
  EXPECT_EQ(fired, 1);
}

TEST(FakeClockTimer, ACallbackReArmingFiresAgainWithinTheSameAdvance) {
  FakeClock clock;
  const SystemTime start = clock.now();
  std::vector<SystemTime> fired;
  std::unique_ptr<Timer> timer;
  timer = clock.make_timer([&] {
    fired.push_back(clock.now());
    timer->arm(10s);
  });
  timer->arm(10s);
  clock.advance(35s);
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], start + 10s);
  EXPECT_EQ(fired[2], start + 30s);
  EXPECT_TRUE(timer->armed());
  EXPECT_EQ(clock.now(), start + 35s);
}

TEST(FakeClockTimer, ACallbackMayArmAnotherTimerDueInTheSameAdvance) {
  FakeClock clock;
  std::vector<std::string> fired;
  auto second = clock.make_timer([&] { fired.push_back("second"); });
  auto first = clock.make_timer([&] {
    fired.push_back("first");
    second->arm(0s);
  });
  first->arm(5s);
  clock.advance(5s);
  EXPECT_EQ(fired, (std::vector<std::string>{"first", "second"}));
}

TEST(FakeClockTimer, DestroyedWhileArmedNeverFires) {
  FakeClock clock;
  int fired = 0;
  auto timer = clock.make_timer([&] { ++fired; });
  timer->arm(1s);
  timer.reset();
  EXPECT_EQ(clock.armed_timers(), 0u);
  clock.advance(1h);
  EXPECT_EQ(fired, 0);
}

TEST(FakeClockTimer, ACallbackMayDestroyItsOwnTimerAndOthers) {
  FakeClock clock;
  int other_fired = 0;
  std::unique_ptr<Timer> other = clock.make_timer([&] { ++other_fired; });
  std::unique_ptr<Timer> self;
  bool ran = false;
  self = clock.make_timer([&] {
    ran = true;
    self.reset();
    other.reset();
  });
  self->arm(1s);
  other->arm(2s);
  clock.advance(5s);
  EXPECT_TRUE(ran);
  EXPECT_EQ(other_fired, 0);
}

TEST(FakeClockTimer, SetForwardFiresAndSetBackwardOnlyMovesTime) {
  FakeClock clock;
  const SystemTime start = clock.now();
  int fired = 0;
  auto timer = clock.make_timer([&] { ++fired; });
  timer->arm(10s);
  clock.set(start - 1h);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(clock.now(), start - 1h);
  clock.set(start + 10s);
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace gantry::core
