#include "logs/retention_sweep.h"

#include <vector>

#include "logs/group_cursor.h"
#include "logs/log_lookup.h"
#include "logs/put_log_events_rules.h"

namespace gantry::logs {

void drop_events_before(LogConnection& db, int64_t group_id, int64_t cutoff_ms) {
  int64_t bytes = 0;
  for (int64_t stream : stream_ids_of(db, group_id)) {
    {
      auto run = db.statement(
                       "SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM log_events "
                       "WHERE stream_id = ?1 AND timestamp < ?2")
                     .run();
      run.bind_int64(1, stream).bind_int64(2, cutoff_ms);
      int64_t stream_bytes = run.step() ? run.column_int64(0) : 0;
      if (stream_bytes == 0) continue;
      bytes += stream_bytes;
    }
    auto run = db.statement("DELETE FROM log_events WHERE stream_id = ?1 AND timestamp < ?2").run();
    run.bind_int64(1, stream).bind_int64(2, cutoff_ms);
    run.execute();
  }
  adjust_stored_bytes(db, group_id, -bytes);
}

void sweep_retention(LogConnection& db, int64_t now_ms) {
  std::vector<std::pair<int64_t, int64_t>> groups;  // id, days
  {
    auto run =
        db.statement("SELECT id, retention_days FROM log_groups WHERE retention_days IS NOT NULL")
            .run();
    while (run.step()) groups.emplace_back(run.column_int64(0), run.column_int64(1));
  }
  for (auto [id, days] : groups) drop_events_before(db, id, now_ms - days * kMillisPerDay);
}

void enforce_size_cap(LogConnection& db, int64_t group_id, int64_t max_bytes) {
  int64_t stored = 0;
  {
    auto run = db.statement("SELECT stored_bytes FROM log_groups WHERE id = ?1").run();
    run.bind_int64(1, group_id);
    if (run.step()) stored = run.column_int64(0);
  }
  int64_t excess = stored - max_bytes;
  if (excess <= 0) return;
  // The oldest events first, across the group's streams; read them all
  // before deleting any, so that the cursor reads a table that holds still.
  std::vector<int64_t> victims;
  int64_t freed = 0;
  {
    GroupCursor oldest(db, stream_ids_of(db, group_id), EventKey{-1, 0}, kNoTimeLimit);
    while (freed < excess) {
      auto event = oldest.next();
      if (!event) break;
      victims.push_back(event->key.sequence);
      freed += static_cast<int64_t>(event->message.size());
    }
  }
  for (int64_t seq : victims) {
    auto run = db.statement("DELETE FROM log_events WHERE seq = ?1").run();
    run.bind_int64(1, seq);
    run.execute();
  }
  adjust_stored_bytes(db, group_id, -freed);
}

}  // namespace gantry::logs
