#include "logs/put_log_events_rules.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace gantry::logs {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::vector<InputLogEvent> at(std::initializer_list<int64_t> timestamps) {
  std::vector<InputLogEvent> events;
  for (int64_t t : timestamps) events.push_back({t, "m"});
  return events;
}

std::string refusal(const std::vector<InputLogEvent>& events) {
  try {
    check_batch(events, kNow, std::nullopt);
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    return error.message();
  }
  return "";
}

TEST(PutLogEventsRulesTest, KeepsAValidBatchWhole) {
  BatchVerdict verdict = check_batch(at({kNow - 1000, kNow, kNow}), kNow, std::nullopt);
  EXPECT_EQ(verdict.first_kept, 0u);
  EXPECT_EQ(verdict.end_kept, 3u);
  EXPECT_FALSE(verdict.too_old_end || verdict.too_new_start || verdict.expired_end);
}

TEST(PutLogEventsRulesTest, RejectsTooOldAndTooNewEventsAndKeepsTheRest) {
  BatchVerdict verdict =
      check_batch(at({kNow - kMaxAgeMillis - 1, kNow - kMaxAgeMillis - 1, kNow - kMillisPerHour,
                      kNow, kNow + kMaxAheadMillis, kNow + kMaxAheadMillis + 1}),
                  kNow, std::nullopt);
  EXPECT_EQ(verdict.too_old_end, 2u);    // the first two: more than 14 days old
  EXPECT_EQ(verdict.too_new_start, 5u);  // the last: more than 2 hours ahead
  EXPECT_EQ(verdict.first_kept, 2u);
  EXPECT_EQ(verdict.end_kept, 5u);
}

TEST(PutLogEventsRulesTest, RetentionExpiresOlderEvents) {
  BatchVerdict verdict =
      check_batch(at({kNow - kMillisPerDay - 5, kNow - kMillisPerDay - 1, kNow - 10}), kNow, 1);
  EXPECT_EQ(verdict.expired_end, 2u);
  EXPECT_FALSE(verdict.too_old_end);
  EXPECT_EQ(verdict.first_kept, 2u);
  EXPECT_EQ(verdict.end_kept, 3u);
}

TEST(PutLogEventsRulesTest, ExpiredEventsStillCountTowardsTheSpan) {
  // The span rule is about events within 14 days and 2 hours, as documented.
  EXPECT_THROW(check_batch(at({kNow - 2 * kMillisPerDay, kNow}), kNow, 1), core::ApiError);
}

TEST(PutLogEventsRulesTest, AllRejectedKeepsNothing) {
  BatchVerdict verdict = check_batch(at({kNow + kMillisPerDay}), kNow, std::nullopt);
  EXPECT_EQ(verdict.too_new_start, 0u);
  EXPECT_EQ(verdict.first_kept, verdict.end_kept);
}

TEST(PutLogEventsRulesTest, RefusesOutOfOrderBatches) {
  EXPECT_EQ(refusal(at({kNow, kNow - 1})),
            "Log events in a single PutLogEvents request must be in chronological order.");
}

TEST(PutLogEventsRulesTest, RefusesABatchSpanningMoreThan24Hours) {
  EXPECT_NE(refusal(at({kNow - kMaxBatchSpanMillis - 1, kNow})).find("24 hours"),
            std::string::npos);
  EXPECT_EQ(refusal(at({kNow - kMaxBatchSpanMillis, kNow})), "");
  // Rejected events do not count towards the span.
  EXPECT_EQ(refusal(at({kNow - 20 * kMillisPerDay, kNow - kMillisPerHour, kNow})), "");
}

TEST(PutLogEventsRulesTest, RefusesTooManyEventsAndTooManyBytes) {
  std::vector<InputLogEvent> many(kMaxBatchEvents + 1, InputLogEvent{kNow, "m"});
  EXPECT_NE(refusal(many).find("10000"), std::string::npos);
  many.resize(kMaxBatchEvents);
  EXPECT_EQ(refusal(many), "");

  // 1,048,576 bytes counting 26 per event: exactly at the limit is fine.
  std::vector<InputLogEvent> big{{kNow, std::string(kMaxBatchBytes - kEventOverheadBytes, 'x')}};
  EXPECT_EQ(refusal(big), "");
  big[0].message += 'x';
  EXPECT_NE(refusal(big).find("1048576"), std::string::npos);
  EXPECT_NE(refusal({}).find("at least one"), std::string::npos);
}

}  // namespace
}  // namespace gantry::logs
