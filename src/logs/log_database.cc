#include "logs/log_database.h"

namespace gantry::logs {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS log_groups (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  arn TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  retention_days INTEGER,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  log_group_class TEXT NOT NULL DEFAULT 'STANDARD',
  tags TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS log_streams (
  id INTEGER PRIMARY KEY,
  group_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  arn TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  first_event INTEGER,
  last_event INTEGER,
  last_ingestion INTEGER,
  UNIQUE (group_id, name));
CREATE TABLE IF NOT EXISTS log_events (
  seq INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  ingestion_time INTEGER NOT NULL,
  message TEXT NOT NULL);
-- next_seq: the next event's sequence, handed out by the writer; never
-- reused, even after the newest events are deleted.
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO log_meta (key, value)
  SELECT 'next_seq', coalesce(max(seq), 0) + 1 FROM log_events;
CREATE INDEX IF NOT EXISTS log_events_by_stream ON log_events (stream_id, timestamp, seq);
)sql";

}  // namespace

LogConnection::LogConnection(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open the log store " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 10'000);
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA synchronous = FULL");
  // Checkpoints move the WAL into the file on the writer's thread: fewer,
  // larger ones keep a burst of PutLogEvents from stalling on them (as the
  // control plane's store does).
  exec("PRAGMA wal_autocheckpoint = 10000");
  exec("PRAGMA foreign_keys = OFF");
}

LogConnection::~LogConnection() {
  statements_.clear();  // finalized before the connection closes
  sqlite3_close(db_);
}

store::Statement& LogConnection::statement(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) {
    it = statements_.emplace(std::string(sql), std::make_unique<store::Statement>(db_, sql)).first;
  }
  return *it->second;
}

void LogConnection::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(std::string("sqlite: ") + sql + ": " + why);
  }
}

LogDatabase::LogDatabase(std::string path) : path_(std::move(path)) {
  LogConnection(path_).exec(kSchema);
}

LogDatabase::Lease::Lease(LogDatabase& d) : database(d) {
  {
    std::lock_guard lock(database.mutex_);
    if (!database.idle_.empty()) {
      connection = std::move(database.idle_.back());
      database.idle_.pop_back();
    }
  }
  if (!connection) connection = std::make_unique<LogConnection>(database.path_);
}

LogDatabase::Lease::~Lease() {
  std::lock_guard lock(database.mutex_);
  database.idle_.push_back(std::move(connection));
}

}  // namespace gantry::logs
