#include "logs/retention_sweep.h"

#include <vector>

#include "logs/log_lookup.h"
#include "logs/put_log_events_rules.h"

namespace gantry::logs {

void drop_events_before(LogConnection& db, int64_t group_id, int64_t cutoff_ms) {
  int64_t bytes = 0;
  {
    auto run = db.statement(
                     "SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM "
                     "log_events WHERE group_id = ?1 AND timestamp < ?2")
                   .run();
    run.bind_int64(1, group_id).bind_int64(2, cutoff_ms);
    if (run.step()) bytes = run.column_int64(0);
  }
  if (bytes == 0) return;
  auto run = db.statement("DELETE FROM log_events WHERE group_id = ?1 AND timestamp < ?2").run();
  run.bind_int64(1, group_id).bind_int64(2, cutoff_ms);
  run.execute();
  adjust_stored_bytes(db, group_id, -bytes);
}

void sweep_retention(LogConnection& db, int64_t now_ms) {
  std::vector<std::pair<int64_t, int64_t>> groups;  // id, days
  {
    auto run = db.statement(
                     "SELECT id, retention_days FROM log_groups WHERE retention_days "
                     "IS NOT NULL")
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
  while (excess > 0) {
    // The oldest events first, a chunk at a time.
    std::vector<int64_t> victims;
    int64_t freed = 0;
    {
      auto run = db.statement(
                       "SELECT seq, length(CAST(message AS BLOB)) FROM log_events "
                       "WHERE group_id = ?1 ORDER BY timestamp, seq LIMIT 1000")
                     .run();
      run.bind_int64(1, group_id);
      while (freed < excess && run.step()) {
        victims.push_back(run.column_int64(0));
        freed += run.column_int64(1);
      }
    }
    if (victims.empty()) break;
    for (int64_t seq : victims) {
      auto run = db.statement("DELETE FROM log_events WHERE seq = ?1").run();
      run.bind_int64(1, seq);
      run.execute();
    }
    adjust_stored_bytes(db, group_id, -freed);
    excess -= freed;
  }
}

}  // namespace gantry::logs
