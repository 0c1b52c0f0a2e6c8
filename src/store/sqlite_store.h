#pragma once
// The Store on one SQLite file, in WAL mode with synchronous=FULL: commit()
// returns only once the transaction is fsynced to the write-ahead log.
//
// One connection guarded by one mutex: the store has one writer (state/'s
// applier) and a few readers, and a commit is bound by its fsync, so finer
// locking would buy nothing.
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_statement.h"
#include "store/store.h"

namespace gantry::store {

struct SqliteStoreOptions {
  // How long a commit waits for a lock held by another connection to the same
  // file (such as an operator's sqlite3 shell) before failing.
  std::chrono::milliseconds busy_timeout{5000};
};

class SqliteStore : public Store {
 public:
  // Opens or creates the store; throws std::runtime_error naming the path when
  // the file cannot be opened, is not a gantry store, or is corrupt.
  explicit SqliteStore(const std::string& path, SqliteStoreOptions options = {});

  int64_t revision() override;
  std::optional<KeyValue> get(const std::string& key) override;
  std::vector<KeyValue> range(const std::string& prefix, const std::string& start_after = {},
                              size_t limit = 0) override;
  TxnResult commit(const Txn& txn) override;
  // Callbacks run on the committing thread after the commit, with no lock held:
  // they may read the store. Watches are never removed.
  void watch(const std::string& prefix, WatchCallback callback) override;

 private:
  struct ConnectionCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;
  struct Watch {
    std::string prefix;
    std::shared_ptr<const WatchCallback> callback;
  };

  static Connection open_connection(const std::string& path, SqliteStoreOptions options);
  // Runs under mutex_ inside BEGIN IMMEDIATE; returns what commit() returns.
  TxnResult apply(const Txn& txn);
  int64_t read_revision();
  void notify(int64_t revision, const std::vector<Watch>& watches,
              const std::vector<std::variant<Put, Delete>>& ops);
  [[noreturn]] void fail(const std::exception& error);

  std::string path_;
  std::mutex mutex_;  // guards the connection, the statements and watches_
  Connection db_;     // declared before the statements: they are finalized first
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement select_revision_;
  Statement update_revision_;
  Statement get_;
  Statement get_mod_revision_;
  Statement put_;
  Statement delete_;
  // Indexed by range_index(): exclusive lower bound?, upper bound?
  std::array<Statement, 4> range_;
  std::vector<Watch> watches_;
};

}  // namespace gantry::store
