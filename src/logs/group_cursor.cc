#include "logs/group_cursor.h"

namespace gantry::logs {

namespace {
// Rows read from a stream at a time: small, so that a group of many streams
// costs little to open.
constexpr int64_t kChunk = 128;
}  // namespace

GroupCursor::GroupCursor(LogConnection& db, std::vector<int64_t> stream_ids, EventKey after,
                         int64_t end_ms)
    : db_(db), end_ms_(end_ms), heads_(Later{&streams_}) {
  streams_.reserve(stream_ids.size());
  for (int64_t id : stream_ids) streams_.push_back({id, after, false, {}});
  for (size_t i = 0; i < streams_.size(); ++i) {
    if (refill(streams_[i])) heads_.push(i);
  }
}

bool GroupCursor::refill(Stream& stream) {
  if (stream.exhausted) return false;
  auto run = db_.statement(
                    "SELECT seq, timestamp, ingestion_time, message FROM log_events WHERE "
                    "stream_id = ?1 AND (timestamp, seq) > (?2, ?3) AND timestamp < ?4 "
                    "ORDER BY timestamp, seq LIMIT ?5")
                 .run();
  run.bind_int64(1, stream.id).bind_int64(2, stream.after.timestamp);
  run.bind_int64(3, stream.after.sequence).bind_int64(4, end_ms_).bind_int64(5, kChunk);
  int64_t rows = 0;
  while (run.step()) {
    GroupEvent event{{run.column_int64(1), run.column_int64(0)},
                     stream.id,
                     run.column_int64(2),
                     run.column_text(3)};
    stream.after = event.key;
    stream.buffered.push_back(std::move(event));
    ++rows;
  }
  stream.exhausted = rows < kChunk;
  return !stream.buffered.empty();
}

std::optional<GroupEvent> GroupCursor::next() {
  if (heads_.empty()) return std::nullopt;
  size_t index = heads_.top();
  heads_.pop();
  Stream& stream = streams_[index];
  GroupEvent event = std::move(stream.buffered.front());
  stream.buffered.pop_front();
  if (!stream.buffered.empty() || refill(stream)) heads_.push(index);
  return event;
}

}  // namespace gantry::logs
