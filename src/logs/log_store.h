#pragma once
// The CloudWatch Logs store: its SQLite file (log_database), its one writer
// thread with group commit (log_writer), and the retention sweep on an
// injected timer. Reads run on the caller's thread against the last commit;
// writes are answered once durable.
#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/timer.h"
#include "logs/log_database.h"
#include "logs/log_ingest.h"
#include "logs/log_writer.h"

namespace gantry::logs {

struct LogStoreOptions {
  std::string path;  // e.g. <data dir>/logs.db
  // What one group may hold (messages' bytes); its oldest events go first
  // above it. 0: no cap.
  int64_t max_group_bytes = 0;
  // How often events older than their group's retention are swept.
  std::chrono::milliseconds sweep_interval{std::chrono::minutes(1)};
};

class LogStore {
 public:
  // Opens the file (created when missing); the first sweep runs at once.
  LogStore(LogStoreOptions options, const core::Clock& clock, core::TimerSource& timers);
  // Answers the writes already queued.
  ~LogStore();

  template <class Read>
  auto read(Read&& read) {
    return database_.read(std::forward<Read>(read));
  }
  void write(WriteJob job, WriteDone done) { writer_.submit(std::move(job), std::move(done)); }
  void put_log_events(PutBatch batch, WriteDone done);

  const LogStoreOptions& options() const { return options_; }

 private:
  void sweep();

  LogStoreOptions options_;
  const core::Clock& clock_;
  LogDatabase database_;
  LogWriter writer_;
  std::unique_ptr<core::Timer> sweep_timer_;
};

inline int64_t epoch_millis(core::SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace gantry::logs
