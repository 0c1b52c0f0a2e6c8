#include "logs/put_log_events_rules.h"

#include <algorithm>

#include "core/error.h"

namespace gantry::logs {

namespace {

void check_size_and_order(const std::vector<InputLogEvent>& events) {
  if (events.empty()) throw core::invalid_parameter("logEvents must hold at least one event.");
  if (events.size() > kMaxBatchEvents) {
    throw core::invalid_parameter("A batch of log events may hold at most 10000 events; got " +
                                  std::to_string(events.size()) + ".");
  }
  size_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    bytes += events[i].message.size() + kEventOverheadBytes;
    if (i > 0 && events[i].timestamp < events[i - 1].timestamp) {
      throw core::invalid_parameter(
          "Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  if (bytes > kMaxBatchBytes) {
    throw core::invalid_parameter("Upload too large: " + std::to_string(bytes) +
                                  " bytes exceeds limit of 1048576 (the messages' UTF-8 bytes "
                                  "plus 26 bytes per event).");
  }
}

// The index of the first event at or after `timestamp` (events are sorted).
size_t first_at_or_after(const std::vector<InputLogEvent>& events, int64_t timestamp) {
  auto it = std::lower_bound(events.begin(), events.end(), timestamp,
                             [](const InputLogEvent& e, int64_t t) { return e.timestamp < t; });
  return static_cast<size_t>(it - events.begin());
}

}  // namespace

BatchVerdict check_batch(const std::vector<InputLogEvent>& events, int64_t now_ms,
                         std::optional<int> retention_days) {
  check_size_and_order(events);
  BatchVerdict verdict;
  size_t too_old = first_at_or_after(events, now_ms - kMaxAgeMillis);
  if (too_old > 0) verdict.too_old_end = too_old;
  size_t expired = 0;
  if (retention_days) {
    expired = first_at_or_after(events, now_ms - *retention_days * kMillisPerDay);
    if (expired > 0) verdict.expired_end = expired;
  }
  // The first event more than 2 hours ahead.
  size_t too_new = first_at_or_after(events, now_ms + kMaxAheadMillis + 1);
  if (too_new < events.size()) verdict.too_new_start = too_new;

  // The span rule counts the events within 14 days and 2 hours, whatever
  // the retention says.
  if (too_old < too_new &&
      events[too_new - 1].timestamp - events[too_old].timestamp > kMaxBatchSpanMillis) {
    throw core::invalid_parameter(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 "
        "hours.");
  }
  verdict.first_kept = std::max(too_old, expired);
  verdict.end_kept = std::max(verdict.first_kept, too_new);
  return verdict;
}

}  // namespace gantry::logs
