#pragma once
// The log store's SQLite file (logs.db beside the control plane's
// gantry.db): its own file and connections, so that log traffic never
// contends with the control plane's commits. WAL, synchronous=FULL: what a
// commit returned is on disk. Tables:
//   log_groups (id, name, ...)           one row per group
//   log_streams (id, group_id, name, ..) one row per stream
//   log_events (seq, stream_id, timestamp, ingestion_time, message)
//     seq: the rising sequence the writer hands out (log_meta's next_seq:
//     never reused, so eventIds stay unique); indexed by (stream_id,
//     timestamp, seq) alone: a group's events are a merge of its streams'
//     (group_cursor.h).
#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sqlite_statement.h"

namespace gantry::logs {

// One connection with its prepared statements, used by one thread at a time.
class LogConnection {
 public:
  explicit LogConnection(const std::string& path);
  ~LogConnection();
  LogConnection(const LogConnection&) = delete;
  LogConnection& operator=(const LogConnection&) = delete;

  // The statement for `sql`, prepared on first use and kept.
  store::Statement& statement(std::string_view sql);
  void exec(const char* sql);
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<store::Statement>> statements_;
};

// The file, and a pool of reading connections (WAL lets them read while the
// writer writes; each sees the last commit).
class LogDatabase {
 public:
  // Opens (creating the file and its tables when missing).
  explicit LogDatabase(std::string path);

  const std::string& path() const { return path_; }

  // Runs `read` on a reading connection of the pool.
  template <class Read>
  auto read(Read&& read) {
    Lease lease(*this);
    return read(*lease.connection);
  }

 private:
  struct Lease {
    explicit Lease(LogDatabase& database);
    ~Lease();
    LogDatabase& database;
    std::unique_ptr<LogConnection> connection;
  };

  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<LogConnection>> idle_;
};

}  // namespace gantry::logs
