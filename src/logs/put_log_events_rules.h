#pragma once
// PutLogEvents' rules for a batch, as the API reference states them
// (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html):
//   - at most 10,000 events, and at most 1,048,576 bytes counting each
//     message's UTF-8 bytes plus 26 bytes per event;
//   - in chronological order, else the whole request fails;
//   - events more than 2 hours in the future, or older than 14 days or than
//     the group's retention, are rejected while the others are kept
//     (rejectedLogEventsInfo);
//   - the valid events may span at most 24 hours, else the request fails.
// A pure function of the batch and the time: tested without a store.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gantry::logs {

inline constexpr size_t kMaxBatchEvents = 10'000;
inline constexpr size_t kMaxBatchBytes = 1'048'576;
inline constexpr size_t kEventOverheadBytes = 26;
inline constexpr int64_t kMillisPerHour = 3'600'000;
inline constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;
inline constexpr int64_t kMaxAgeMillis = 14 * kMillisPerDay;
inline constexpr int64_t kMaxAheadMillis = 2 * kMillisPerHour;
inline constexpr int64_t kMaxBatchSpanMillis = 24 * kMillisPerHour;

struct InputLogEvent {
  int64_t timestamp = 0;  // milliseconds since the epoch
  std::string message;
};

// Which events of a batch are kept: [first_kept, end_kept). The indexes are
// CloudWatch's rejectedLogEventsInfo: tooOldLogEventEndIndex and
// expiredLogEventEndIndex end the rejected prefix (exclusive, so that each
// is also the count of the events it rejects, as the CloudWatch agent
// reads them), tooNewLogEventStartIndex starts the rejected suffix.
struct BatchVerdict {
  size_t first_kept = 0;
  size_t end_kept = 0;
  std::optional<size_t> too_old_end;
  std::optional<size_t> expired_end;
  std::optional<size_t> too_new_start;
};

// Throws InvalidParameterException when the request fails as a whole.
// `retention_days` is the group's policy, if it has one.
BatchVerdict check_batch(const std::vector<InputLogEvent>& events, int64_t now_ms,
                         std::optional<int> retention_days);

}  // namespace gantry::logs
