#include "store/sqlite_store.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

namespace gantry::store {
namespace {

// PRAGMA user_version of the current schema; a migration bumps it.
constexpr int64_t kSchemaVersion = 2;

// A rowid table: its rows (whole ECS documents, a kilobyte or more) stay out
// of the key's B-tree, which WITHOUT ROWID would fill with two rows a page
// (version 1; writing a task cost twice as much).
constexpr const char* kCreateKv = R"sql(
  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL
  );
)sql";

constexpr const char* kCreateMeta = R"sql(
  CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER);
  INSERT INTO meta (name, value) VALUES ('revision', 0);
)sql";

constexpr const char* kRangeColumns = "SELECT key, value, create_revision, mod_revision FROM kv ";

std::string range_sql(bool exclusive_lower, bool has_upper) {
  std::string sql = kRangeColumns;
  sql += exclusive_lower ? "WHERE key > ?1" : "WHERE key >= ?1";
  if (has_upper) sql += " AND key < ?2";
  return sql + " ORDER BY key LIMIT ?3";
}

size_t range_index(bool exclusive_lower, bool has_upper) {
  return (exclusive_lower ? 2 : 0) + (has_upper ? 1 : 0);
}

// The smallest string greater than every string that starts with prefix, or
// nullopt when there is none (prefix empty or all 0xFF bytes). Keys compare as
// bytes (SQLite's BINARY collation is memcmp), so this bounds an index range;
// LIKE would treat % and _ in the prefix as wildcards.
std::optional<std::string> prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

const std::string& key_of(const std::variant<Put, Delete>& op) {
  return std::visit([](const auto& o) -> const std::string& { return o.key; }, op);
}

bool has_prefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw_sqlite_error(db, sql);
}

int64_t query_int(sqlite3* db, const char* sql) {
  Statement statement(db, sql);
  auto run = statement.run();
  if (!run.step()) throw std::runtime_error(std::string("no result from ") + sql);
  return run.column_int64(0);
}

// A new file's directory entry must reach the disk too, or a power loss can
// lose the whole file even though its contents were fsynced.
void sync_directory_of(const std::string& path) {
  auto directory = std::filesystem::absolute(path).parent_path();
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the file itself is already durable
  ::fsync(fd);
  ::close(fd);
}

void create_or_check_schema(sqlite3* db) {
  // Under the write lock, so that two processes creating one file do not race.
  exec(db, "BEGIN IMMEDIATE");
  try {
    int64_t version = query_int(db, "PRAGMA user_version");
    if (version == 0) {
      if (query_int(db, "SELECT count(*) FROM sqlite_schema") != 0) {
        throw std::runtime_error("a SQLite database, but not a gantry store");
      }
      exec(db, kCreateKv);
      exec(db, kCreateMeta);
    } else if (version == 1) {  // kv was a WITHOUT ROWID table
      exec(db, "ALTER TABLE kv RENAME TO kv_version1");
      exec(db, kCreateKv);
      exec(db,
           "INSERT INTO kv SELECT key, value, create_revision, mod_revision FROM kv_version1;"
           "DROP TABLE kv_version1");
    } else if (version > kSchemaVersion) {
      throw std::runtime_error("schema version " + std::to_string(version) +
                               " is newer than this gantry's " + std::to_string(kSchemaVersion));
    }
    exec(db, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace

SqliteStore::Connection SqliteStore::open_connection(const std::string& path,
                                                     SqliteStoreOptions options) {
  sqlite3* raw = nullptr;
  // NOMUTEX: SqliteStore serializes every use of the connection itself.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection db(raw);  // a failed open still returns a handle to close
  try {
    if (rc != SQLITE_OK) throw_sqlite_error(db.get(), "open");
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
    // Reading the header here is what detects a file that is not a database.
    std::string mode;
    {
      Statement journal(db.get(), "PRAGMA journal_mode = WAL");
      auto run = journal.run();
      if (run.step()) mode = run.column_text(0);
    }
    bool in_memory = path.empty() || path == ":memory:";
    if (mode != "wal" && !(in_memory && mode == "memory")) {
      throw std::runtime_error("cannot switch to WAL mode (journal_mode is '" + mode + "')");
    }
    // FULL: the WAL is fsynced at every commit, so a commit survives power loss.
    exec(db.get(), "PRAGMA synchronous = FULL");
    // A checkpoint copies the WAL's pages into the database. Every 10,000
    // pages (about 40 MiB) rather than SQLite's 1,000, a page that many
    // commits wrote is copied once: RunTask at scale ran 14% faster.
    exec(db.get(), "PRAGMA wal_autocheckpoint = 10000");
    create_or_check_schema(db.get());
    if (!in_memory) sync_directory_of(path);
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot open the store at '" + path + "': " + error.what());
  }
  return db;
}

SqliteStore::SqliteStore(const std::string& path, SqliteStoreOptions options)
    : path_(path),
      db_(open_connection(path, options)),
      begin_(db_.get(), "BEGIN IMMEDIATE"),
      commit_(db_.get(), "COMMIT"),
      rollback_(db_.get(), "ROLLBACK"),
      select_revision_(db_.get(), "SELECT value FROM meta WHERE name = 'revision'"),
      update_revision_(db_.get(), "UPDATE meta SET value = ?1 WHERE name = 'revision'"),
      get_(db_.get(), "SELECT value, create_revision, mod_revision FROM kv WHERE key = ?1"),
      get_mod_revision_(db_.get(), "SELECT mod_revision FROM kv WHERE key = ?1"),
      put_(db_.get(),
           "INSERT INTO kv (key, value, create_revision, mod_revision) VALUES (?1, ?2, ?3, ?3) "
           "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
           "mod_revision = excluded.mod_revision"),
      delete_(db_.get(), "DELETE FROM kv WHERE key = ?1"),
      range_{Statement(db_.get(), range_sql(false, false)),
             Statement(db_.get(), range_sql(false, true)),
             Statement(db_.get(), range_sql(true, false)),
             Statement(db_.get(), range_sql(true, true))} {}

int64_t SqliteStore::read_revision() {
  auto run = select_revision_.run();
  if (!run.step()) throw std::runtime_error("the meta table has no revision row");
  return run.column_int64(0);
}

int64_t SqliteStore::revision() {
  std::lock_guard lock(mutex_);
  try {
    return read_revision();
  } catch (const std::exception& error) {
    fail(error);
  }
}

std::optional<KeyValue> SqliteStore::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  try {
    auto run = get_.run();
    run.bind_text(1, key);
    if (!run.step()) return std::nullopt;
    return KeyValue{key, run.column_blob(0), run.column_int64(1), run.column_int64(2)};
  } catch (const std::exception& error) {
    fail(error);
  }
}

std::vector<KeyValue> SqliteStore::range(const std::string& prefix, const std::string& start_after,
                                         size_t limit) {
  // Start at whichever bound is later: the prefix itself, or past start_after.
  bool exclusive = !start_after.empty() && start_after >= prefix;
  const std::string& lower = exclusive ? start_after : prefix;
  std::optional<std::string> upper = prefix_end(prefix);
  int64_t sql_limit = limit == 0 || limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
                          ? -1  // SQLite: a negative LIMIT is no limit
                          : static_cast<int64_t>(limit);

  std::lock_guard lock(mutex_);
  try {
    auto run = range_[range_index(exclusive, upper.has_value())].run();
    run.bind_text(1, lower);
    if (upper) run.bind_text(2, *upper);
    run.bind_int64(3, sql_limit);
    std::vector<KeyValue> result;
    while (run.step()) {
      result.push_back(KeyValue{run.column_text(0), run.column_blob(1), run.column_int64(2),
                                run.column_int64(3)});
    }
    return result;
  } catch (const std::exception& error) {
    fail(error);
  }
}

TxnResult SqliteStore::apply(const Txn& txn) {
  begin_.run().execute();
  int64_t current = read_revision();
  for (const Compare& compare : txn.compares) {
    auto run = get_mod_revision_.run();
    run.bind_text(1, compare.key);
    int64_t mod_revision = run.step() ? run.column_int64(0) : 0;
    if (mod_revision != compare.mod_revision) {
      rollback_.run().execute();
      return {false, current};
    }
  }
  if (txn.ops.empty()) {
    commit_.run().execute();
    return {true, current};
  }
  // Every transaction with ops gets its own revision (even a delete that found
  // nothing), so that watchers and readers can tell each commit apart.
  int64_t next = current + 1;
  for (const auto& op : txn.ops) {
    if (const auto* put = std::get_if<Put>(&op)) {
      put_.run().bind_text(1, put->key).bind_blob(2, put->value).bind_int64(3, next).execute();
    } else {
      delete_.run().bind_text(1, std::get<Delete>(op).key).execute();
    }
  }
  update_revision_.run().bind_int64(1, next).execute();
  commit_.run().execute();  // fsyncs the WAL (synchronous = FULL)
  return {true, next};
}

TxnResult SqliteStore::commit(const Txn& txn) {
  TxnResult result;
  std::vector<Watch> watches;
  {
    std::lock_guard lock(mutex_);
    try {
      result = apply(txn);
    } catch (const std::exception& error) {
      // SQLite rolls back by itself after some errors (a full disk, an I/O
      // error); only roll back a transaction that is still open.
      if (sqlite3_get_autocommit(db_.get()) == 0) {
        sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      }
      fail(error);
    }
    if (result.succeeded && !txn.ops.empty()) {
      for (const Watch& watch : watches_) {
        for (const auto& op : txn.ops) {
          if (has_prefix(key_of(op), watch.prefix)) {
            watches.push_back(watch);
            break;
          }
        }
      }
    }
  }
  // Outside the lock, so that a callback may read the store.
  if (!watches.empty()) notify(result.revision, watches, txn.ops);
  return result;
}

void SqliteStore::notify(int64_t revision, const std::vector<Watch>& watches,
                         const std::vector<std::variant<Put, Delete>>& ops) {
  for (const Watch& watch : watches) {
    auto matches = [&](const auto& op) { return has_prefix(key_of(op), watch.prefix); };
    std::vector<std::variant<Put, Delete>> matching;
    bool all = std::all_of(ops.begin(), ops.end(), matches);
    if (!all) std::copy_if(ops.begin(), ops.end(), std::back_inserter(matching), matches);
    // The transaction is durable whatever a callback does: an exception must
    // not reach the committer, who would take it for a failed commit.
    try {
      (*watch.callback)(revision, all ? ops : matching);
    } catch (const std::exception& error) {
      spdlog::error("store watch callback on '{}' failed at revision {}: {}", watch.prefix,
                    revision, error.what());
    }
  }
}

void SqliteStore::watch(const std::string& prefix, WatchCallback callback) {
  std::lock_guard lock(mutex_);
  watches_.push_back({prefix, std::make_shared<const WatchCallback>(std::move(callback))});
}

void SqliteStore::fail(const std::exception& error) {
  throw std::runtime_error("store '" + path_ + "': " + error.what());
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace gantry::store
