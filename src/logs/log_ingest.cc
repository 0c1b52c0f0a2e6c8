#include "logs/log_ingest.h"

#include <cstdio>

#include "core/json_members.h"
#include "logs/log_lookup.h"
#include "logs/retention_sweep.h"

namespace gantry::logs {

namespace json = boost::json;

namespace {

// CloudWatch's sequence tokens are 56 decimal digits; any is accepted back.
std::string sequence_token(int64_t sequence) {
  char digits[64];
  std::snprintf(digits, sizeof digits, "%056lld", static_cast<long long>(sequence));
  return digits;
}

json::object rejected_info(const BatchVerdict& verdict) {
  json::object info;
  if (verdict.too_new_start) info["tooNewLogEventStartIndex"] = *verdict.too_new_start;
  if (verdict.too_old_end) info["tooOldLogEventEndIndex"] = *verdict.too_old_end;
  if (verdict.expired_end) info["expiredLogEventEndIndex"] = *verdict.expired_end;
  return info;
}

// Rows a multi-row INSERT writes: one statement (and one pass of the VDBE's
// setup) per 100 events rather than per event.
constexpr size_t kRowsPerInsert = 100;

std::string insert_sql(size_t rows) {
  std::string sql =
      "INSERT INTO log_events (seq, stream_id, timestamp, ingestion_time, message) "
      "VALUES ";
  for (size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
  return sql;
}

// `count` sequence numbers, the first returned: one read and one write of
// the counter a batch (SQLite's AUTOINCREMENT would write it for every row).
int64_t take_sequences(LogConnection& db, size_t count) {
  int64_t next = 1;
  {
    auto run = db.statement("SELECT value FROM log_meta WHERE key = 'next_seq'").run();
    if (run.step()) next = run.column_int64(0);
  }
  auto run = db.statement("UPDATE log_meta SET value = ?1 WHERE key = 'next_seq'").run();
  run.bind_int64(1, next + static_cast<int64_t>(count));
  run.execute();
  return next;
}

void append_events(LogConnection& db, int64_t stream_id, const PutBatch& batch,
                   const BatchVerdict& verdict, int64_t first_sequence) {
  static const std::string kFullInsert = insert_sql(kRowsPerInsert);
  static const std::string kOneInsert = insert_sql(1);
  int64_t sequence = first_sequence;
  for (size_t i = verdict.first_kept; i < verdict.end_kept;) {
    size_t rows = verdict.end_kept - i >= kRowsPerInsert ? kRowsPerInsert : 1;
    auto run = db.statement(rows == kRowsPerInsert ? kFullInsert : kOneInsert).run();
    for (size_t row = 0; row < rows; ++row, ++i) {
      const InputLogEvent& event = batch.events[i];
      int base = static_cast<int>(row * 5);
      run.bind_int64(base + 1, sequence++).bind_int64(base + 2, stream_id);
      run.bind_int64(base + 3, event.timestamp).bind_int64(base + 4, batch.now_ms);
      run.bind_text(base + 5, event.message);
    }
    run.execute();
  }
}

}  // namespace

PutBatch prepare_put_log_events(const LogRequest& request) {
  PutBatch batch;
  batch.group = core::string_member(request.body, "logGroupName");
  batch.stream = core::string_member(request.body, "logStreamName");
  batch.now_ms = request.now_ms;
  if (const json::array* events = core::array_member(request.body, "logEvents")) {
    batch.events.reserve(events->size());
    for (const json::value& event : *events) {
      const json::object& e = event.as_object();  // the model has checked the shape
      batch.events.push_back(
          {core::int_member(e, "timestamp", 0), core::string_member(e, "message")});
    }
  }
  check_batch(batch.events, batch.now_ms, std::nullopt);
  return batch;
}

json::object put_log_events(LogConnection& db, const PutBatch& batch, int64_t max_group_bytes) {
  GroupRow group = existing_group(db, batch.group);
  StreamRow stream = existing_stream(db, group, batch.stream);
  BatchVerdict verdict = check_batch(batch.events, batch.now_ms, group.retention_days);

  int64_t bytes = 0;
  int64_t last_sequence = 0;
  if (verdict.first_kept < verdict.end_kept) {
    int64_t first_sequence = take_sequences(db, verdict.end_kept - verdict.first_kept);
    append_events(db, stream.id, batch, verdict, first_sequence);
    for (size_t i = verdict.first_kept; i < verdict.end_kept; ++i) {
      bytes += static_cast<int64_t>(batch.events[i].message.size());
    }
    last_sequence =
        first_sequence + static_cast<int64_t>(verdict.end_kept - verdict.first_kept) - 1;
    auto stats = db.statement(
                       "UPDATE log_streams SET first_event = min(coalesce(first_event, ?1), ?1), "
                       "last_event = max(coalesce(last_event, ?2), ?2), last_ingestion = ?3 "
                       "WHERE id = ?4")
                     .run();
    stats.bind_int64(1, batch.events[verdict.first_kept].timestamp);
    stats.bind_int64(2, batch.events[verdict.end_kept - 1].timestamp);
    stats.bind_int64(3, batch.now_ms).bind_int64(4, stream.id);
    stats.execute();
    adjust_stored_bytes(db, group.id, bytes);
    if (max_group_bytes > 0) enforce_size_cap(db, group.id, max_group_bytes);
  }
  json::object response{{"nextSequenceToken", sequence_token(last_sequence)}};
  json::object rejected = rejected_info(verdict);
  if (!rejected.empty()) response["rejectedLogEventsInfo"] = std::move(rejected);
  return response;
}

}  // namespace gantry::logs
