// The event log: commits in revision order, read whole from any revision,
// subscribers woken without being waited for, and a subscriber that falls
// behind the ring told so.
#include "state/event_log.h"

#include <gtest/gtest.h>

namespace gantry::state {
namespace {

std::vector<LoggedChange> changes(std::initializer_list<std::string> keys) {
  std::vector<LoggedChange> out;
  for (const auto& key : keys) out.push_back({0, key, nullptr, nullptr, {}});
  return out;
}

std::vector<std::string> keys_of(const LogRead& read) {
  std::vector<std::string> out;
  for (const auto& change : read.changes)
    out.push_back(change.key + "@" + std::to_string(change.revision));
  return out;
}

TEST(EventLogTest, ReadsTheChangesAfterARevisionInCommitOrder) {
  EventLog log(10);
  log.append(11, changes({"a", "b"}));
  log.append(12, changes({"c"}));
  EXPECT_EQ(keys_of(log.read_after(10)), (std::vector<std::string>{"a@11", "b@11", "c@12"}));
  EXPECT_EQ(keys_of(log.read_after(11)), (std::vector<std::string>{"c@12"}));
  LogRead none = log.read_after(12);
  EXPECT_TRUE(none.changes.empty());
  EXPECT_FALSE(none.lost);
  EXPECT_EQ(none.last_revision, 12);
  EXPECT_EQ(log.last_revision(), 12);
}

TEST(EventLogTest, ALimitedReadEndsAtACommitsEnd) {
  EventLog log(0);
  log.append(1, changes({"a", "b", "c"}));
  log.append(2, changes({"d"}));
  LogRead first = log.read_after(0, 2);
  EXPECT_EQ(keys_of(first), (std::vector<std::string>{"a@1", "b@1", "c@1"}));
  EXPECT_EQ(first.last_revision, 1);
  LogRead second = log.read_after(first.last_revision, 2);
  EXPECT_EQ(keys_of(second), (std::vector<std::string>{"d@2"}));
  EXPECT_EQ(second.last_revision, 2);
}

TEST(EventLogTest, ASubscriberBehindTheRingIsToldItLostChanges) {
  EventLog log(0, 3);
  for (int64_t revision = 1; revision <= 5; ++revision) log.append(revision, changes({"k"}));
  EXPECT_EQ(log.oldest_readable(), 2);
  LogRead behind = log.read_after(1);
  EXPECT_TRUE(behind.lost);
  EXPECT_EQ(keys_of(behind), (std::vector<std::string>{"k@3", "k@4", "k@5"}));
  LogRead caught_up = log.read_after(2);
  EXPECT_FALSE(caught_up.lost);
  EXPECT_EQ(caught_up.changes.size(), 3u);
}

TEST(EventLogTest, NothingBeforeTheStartingRevisionCountsAsLost) {
  EventLog log(40);
  EXPECT_FALSE(log.read_after(40).lost);
  EXPECT_TRUE(log.read_after(39).lost);
}

TEST(EventLogTest, WakesEverySubscriberUntilItsSubscriptionIsDropped) {
  EventLog log(0);
  int first = 0;
  int second = 0;
  auto a = log.subscribe([&] { ++first; });
  auto b = log.subscribe([&] { ++second; });
  log.append(1, changes({"x"}));
  b.reset();
  log.append(2, changes({"y"}));
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 1);
}

TEST(EventLogTest, ASubscriberReadsWhatItMissedAtItsOwnPace) {
  EventLog log(0);
  std::vector<int64_t> seen;
  int64_t cursor = 0;
  auto subscription = log.subscribe([&] {
    LogRead read = log.read_after(cursor);
    for (const auto& change : read.changes) seen.push_back(change.revision);
    cursor = read.last_revision;
  });
  log.append(1, changes({"a"}));
  log.append(2, changes({"b", "c"}));
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 2}));
}

}  // namespace
}  // namespace gantry::state
