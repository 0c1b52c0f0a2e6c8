#include "store/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "temp_dir.h"

namespace gantry::store {
namespace {

using ::testing::HasSubstr;
using test_support::TempDir;

Txn put(std::string key, std::string value) {
  Txn txn;
  txn.ops.push_back(Put{std::move(key), std::move(value)});
  return txn;
}

Txn del(std::string key) {
  Txn txn;
  txn.ops.push_back(Delete{std::move(key)});
  return txn;
}

std::vector<std::string> keys_of(const std::vector<KeyValue>& kvs) {
  std::vector<std::string> keys;
  for (const auto& kv : kvs) keys.push_back(kv.key);
  return keys;
}

// Runs one statement through a second, raw connection to the same file.
void exec_raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

class SqliteStoreTest : public testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("store.db");
  std::unique_ptr<Store> store_ = open_sqlite_store(path_);
};

TEST_F(SqliteStoreTest, PutGetDeleteWithRevisions) {
  EXPECT_EQ(store_->revision(), 0);
  EXPECT_FALSE(store_->get("a").has_value());

  EXPECT_EQ(store_->commit(put("a", "one")).revision, 1);
  auto a = store_->get("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->key, "a");
  EXPECT_EQ(a->value, "one");
  EXPECT_EQ(a->create_revision, 1);
  EXPECT_EQ(a->mod_revision, 1);

  store_->commit(put("b", "x"));
  TxnResult result = store_->commit(put("a", "two"));
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(result.revision, 3);
  a = store_->get("a");
  EXPECT_EQ(a->value, "two");
  EXPECT_EQ(a->create_revision, 1);  // kept across updates
  EXPECT_EQ(a->mod_revision, 3);

  EXPECT_EQ(store_->commit(del("a")).revision, 4);
  EXPECT_FALSE(store_->get("a").has_value());
  EXPECT_EQ(store_->revision(), 4);
  store_->commit(put("a", "again"));
  EXPECT_EQ(store_->get("a")->create_revision, 5);  // a new life after a delete
}

TEST_F(SqliteStoreTest, ValuesAreBinarySafe) {
  std::string binary("\0\x01\xff zero\0", 9);
  store_->commit(put("bin", binary));
  store_->commit(put("empty", ""));
  EXPECT_EQ(store_->get("bin")->value, binary);
  ASSERT_TRUE(store_->get("empty").has_value());
  EXPECT_EQ(store_->get("empty")->value, "");
}

TEST_F(SqliteStoreTest, OneRevisionPerTransaction) {
  Txn txn;
  txn.ops = {Put{"x/1", "1"}, Put{"x/2", "2"}, Put{"x/3", "3"}};
  EXPECT_EQ(store_->commit(txn).revision, 1);
  for (const auto& kv : store_->range("x/")) {
    EXPECT_EQ(kv.create_revision, 1);
    EXPECT_EQ(kv.mod_revision, 1);
  }
  // No ops (with or without compares): nothing to write, no new revision.
  EXPECT_EQ(store_->commit(Txn{}).revision, 1);
  Txn guard_only;
  guard_only.compares = {Compare{"x/1", 1}};
  TxnResult result = store_->commit(guard_only);
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(result.revision, 1);
  EXPECT_EQ(store_->revision(), 1);
}

TEST_F(SqliteStoreTest, RangeTreatsPercentAndUnderscoreLiterally) {
  for (const char* key : {"a%b/1", "a%b/2", "axb/1", "a_c/1", "abc/1", "a%", "b"}) {
    store_->commit(put(key, key));
  }
  EXPECT_EQ(keys_of(store_->range("a%b/")), (std::vector<std::string>{"a%b/1", "a%b/2"}));
  EXPECT_EQ(keys_of(store_->range("a_c")), (std::vector<std::string>{"a_c/1"}));
  EXPECT_EQ(keys_of(store_->range("a%")), (std::vector<std::string>{"a%", "a%b/1", "a%b/2"}));
  EXPECT_EQ(store_->range("").size(), 7u);
  EXPECT_TRUE(store_->range("zz").empty());
  auto kvs = store_->range("a%b/");
  EXPECT_EQ(kvs[1].value, "a%b/2");
  EXPECT_EQ(kvs[1].mod_revision, 2);
}

TEST_F(SqliteStoreTest, RangeWithPrefixEndingInFfBytes) {
  for (std::string key : {"a\xff", "a\xff\xff" "1", "a\xfe", "b", "\xff", "\xff\xff"}) {
    store_->commit(put(key, "v"));
  }
  EXPECT_EQ(keys_of(store_->range("a\xff")),
            (std::vector<std::string>{"a\xff", "a\xff\xff" "1"}));
  EXPECT_EQ(keys_of(store_->range("\xff")), (std::vector<std::string>{"\xff", "\xff\xff"}));
}

TEST_F(SqliteStoreTest, RangePagesWithStartAfterAndLimit) {
  for (int i = 0; i < 10; ++i) store_->commit(put("p/" + std::to_string(i), "v"));
  store_->commit(put("o", "before"));
  store_->commit(put("q", "after"));

  EXPECT_EQ(keys_of(store_->range("p/", "", 3)), (std::vector<std::string>{"p/0", "p/1", "p/2"}));
  EXPECT_EQ(keys_of(store_->range("p/", "p/2", 3)), (std::vector<std::string>{"p/3", "p/4", "p/5"}));
  EXPECT_EQ(keys_of(store_->range("p/", "p/7")), (std::vector<std::string>{"p/8", "p/9"}));
  // start_after need not be a key; one before the prefix starts at the prefix.
  EXPECT_EQ(keys_of(store_->range("p/", "p/45", 1)), (std::vector<std::string>{"p/5"}));
  EXPECT_EQ(keys_of(store_->range("p/", "o", 1)), (std::vector<std::string>{"p/0"}));
  EXPECT_TRUE(store_->range("p/", "p/9").empty());
  EXPECT_TRUE(store_->range("p/", "pz").empty());

  // Paging through everything visits each key once, in order.
  std::vector<std::string> all;
  std::string cursor;
  for (;;) {
    auto page = store_->range("", cursor, 4);
    if (page.empty()) break;
    for (const auto& kv : page) all.push_back(kv.key);
    cursor = page.back().key;
  }
  EXPECT_EQ(all, keys_of(store_->range("")));
  EXPECT_EQ(all.size(), 12u);
  EXPECT_EQ(all.front(), "o");
  EXPECT_EQ(all.back(), "q");
}

TEST_F(SqliteStoreTest, FailedCompareWritesNothing) {
  store_->commit(put("a", "1"));  // revision 1
  store_->commit(put("b", "1"));  // revision 2

  Txn txn;
  txn.compares = {Compare{"a", 1}, Compare{"b", 1}};  // b is at 2: fails
  txn.ops = {Put{"a", "changed"}, Delete{"b"}, Put{"c", "new"}};
  TxnResult result = store_->commit(txn);
  EXPECT_FALSE(result.succeeded);
  EXPECT_EQ(result.revision, 2);
  EXPECT_EQ(store_->revision(), 2);
  EXPECT_EQ(store_->get("a")->value, "1");
  EXPECT_TRUE(store_->get("b").has_value());
  EXPECT_FALSE(store_->get("c").has_value());

  Txn must_be_absent;
  must_be_absent.compares = {Compare{"a", 0}};
  must_be_absent.ops = {Put{"a", "clobbered"}};
  EXPECT_FALSE(store_->commit(must_be_absent).succeeded);
  EXPECT_EQ(store_->get("a")->value, "1");

  txn.compares = {Compare{"a", 1}, Compare{"b", 2}, Compare{"c", 0}};
  result = store_->commit(txn);
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(result.revision, 3);
  EXPECT_EQ(store_->get("a")->value, "changed");
  EXPECT_FALSE(store_->get("b").has_value());
  EXPECT_EQ(store_->get("c")->mod_revision, 3);
}

TEST_F(SqliteStoreTest, ErrorInTheMiddleOfATransactionWritesNothing) {
  store_->commit(put("before", "1"));
  // Another connection adds a trigger that fails the second op of the txn.
  exec_raw(path_,
           "CREATE TRIGGER poison BEFORE INSERT ON kv WHEN NEW.key = 'poison' "
           "BEGIN SELECT RAISE(ABORT, 'poisoned key'); END");
  Txn txn;
  txn.ops = {Put{"a", "1"}, Delete{"before"}, Put{"poison", "x"}};
  try {
    store_->commit(txn);
    FAIL() << "commit should have thrown";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("poisoned key"));
    EXPECT_THAT(error.what(), HasSubstr(path_));
  }
  EXPECT_EQ(store_->revision(), 1);
  EXPECT_FALSE(store_->get("a").has_value());
  EXPECT_TRUE(store_->get("before").has_value());
  // The store is usable afterwards.
  EXPECT_EQ(store_->commit(put("a", "2")).revision, 2);
}

TEST_F(SqliteStoreTest, CommitFailsWhileAnotherConnectionHoldsTheWriteLock) {
  store_.reset();
  SqliteStore store(path_, SqliteStoreOptions{std::chrono::milliseconds(20)});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_THROW(store.commit(put("a", "1")), std::runtime_error);
  EXPECT_EQ(store.revision(), 0);  // reads go on under WAL
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(store.commit(put("a", "1")).revision, 1);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndRevision) {
  Txn txn;
  txn.ops = {Put{"a", "1"}, Put{"b", "2"}};
  store_->commit(txn);
  store_->commit(put("a", "3"));
  store_->commit(del("b"));
  store_.reset();

  store_ = open_sqlite_store(path_);
  EXPECT_EQ(store_->revision(), 3);
  auto a = store_->get("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->value, "3");
  EXPECT_EQ(a->create_revision, 1);
  EXPECT_EQ(a->mod_revision, 2);
  EXPECT_FALSE(store_->get("b").has_value());
  EXPECT_EQ(store_->commit(put("c", "4")).revision, 4);
}

TEST_F(SqliteStoreTest, WatchGetsTheOpsUnderItsPrefix) {
  struct Event {
    int64_t revision;
    std::vector<std::variant<Put, Delete>> ops;
  };
  std::vector<Event> tasks_events, all_events;
  int unrelated_calls = 0;
  std::optional<KeyValue> seen_in_callback;
  store_->watch("tasks/", [&](int64_t revision, const auto& ops) {
    tasks_events.push_back({revision, ops});
    seen_in_callback = store_->get("tasks/1");  // reading from a callback is allowed
  });
  store_->watch("", [&](int64_t revision, const auto& ops) { all_events.push_back({revision, ops}); });
  store_->watch("services/", [&](int64_t, const auto&) { ++unrelated_calls; });

  Txn txn;
  txn.ops = {Put{"tasks/1", "t1"}, Put{"clusters/a", "c"}, Delete{"tasks/2"}};
  store_->commit(txn);
  Txn failing;
  failing.compares = {Compare{"tasks/1", 99}};
  failing.ops = {Put{"tasks/3", "t3"}};
  store_->commit(failing);

  ASSERT_EQ(tasks_events.size(), 1u);
  EXPECT_EQ(tasks_events[0].revision, 1);
  ASSERT_EQ(tasks_events[0].ops.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<Put>(tasks_events[0].ops[0]));
  EXPECT_EQ(std::get<Put>(tasks_events[0].ops[0]).key, "tasks/1");
  EXPECT_EQ(std::get<Put>(tasks_events[0].ops[0]).value, "t1");
  ASSERT_TRUE(std::holds_alternative<Delete>(tasks_events[0].ops[1]));
  EXPECT_EQ(std::get<Delete>(tasks_events[0].ops[1]).key, "tasks/2");
  ASSERT_TRUE(seen_in_callback.has_value());  // the commit was visible
  EXPECT_EQ(seen_in_callback->value, "t1");

  ASSERT_EQ(all_events.size(), 1u);
  EXPECT_EQ(all_events[0].ops.size(), 3u);
  EXPECT_EQ(unrelated_calls, 0);
}

TEST_F(SqliteStoreTest, ThrowingWatchDoesNotFailTheCommit) {
  int later_calls = 0;
  store_->watch("", [](int64_t, const auto&) { throw std::runtime_error("watcher bug"); });
  store_->watch("", [&](int64_t, const auto&) { ++later_calls; });
  TxnResult result = store_->commit(put("a", "1"));
  EXPECT_TRUE(result.succeeded);
  EXPECT_EQ(result.revision, 1);
  EXPECT_EQ(later_calls, 1);
}

TEST_F(SqliteStoreTest, ReadersOnOtherThreadsSeeWholeTransactions) {
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread writer([&] {
    for (int i = 0; i < 60; ++i) {
      Txn txn;
      txn.ops = {Put{"a/" + std::to_string(i), "v"}, Put{"b/" + std::to_string(i), "v"}};
      store_->commit(txn);
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        auto all = store_->range("");
        auto as = std::count_if(all.begin(), all.end(), [](auto& kv) { return kv.key[0] == 'a'; });
        if (as * 2 != static_cast<long>(all.size())) ++torn;
        ++reads;
      }
    });
  }
  writer.join();
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(torn, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(store_->revision(), 60);
  EXPECT_EQ(store_->range("").size(), 120u);
}

TEST(SqliteStoreOpenTest, GarbageFileIsRejectedNamingThePath) {
  TempDir dir;
  std::string path = dir.file("garbage.db");
  std::ofstream(path) << std::string(8192, 'x');
  try {
    open_sqlite_store(path);
    FAIL() << "opening a garbage file should throw";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr(path));
    EXPECT_THAT(error.what(), HasSubstr("not a database"));
  }
}

TEST(SqliteStoreOpenTest, MissingDirectoryIsRejectedNamingThePath) {
  TempDir dir;
  std::string path = dir.file("no/such/dir/store.db");
  try {
    open_sqlite_store(path);
    FAIL() << "opening in a missing directory should throw";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr(path));
  }
}

TEST(SqliteStoreOpenTest, ForeignDatabaseAndNewerSchemaAreRejected) {
  TempDir dir;
  std::string foreign = dir.file("foreign.db");
  exec_raw(foreign, "CREATE TABLE users (name TEXT)");
  EXPECT_THROW(open_sqlite_store(foreign), std::runtime_error);

  std::string newer = dir.file("newer.db");
  open_sqlite_store(newer)->commit(put("a", "1"));
  exec_raw(newer, "PRAGMA user_version = 99");
  try {
    open_sqlite_store(newer);
    FAIL() << "a newer schema should be refused";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("schema version 99"));
  }
}

TEST(SqliteStoreOpenTest, AVersion1StoreIsMigratedKeepingItsRecordsAndRevision) {
  TempDir dir;
  std::string path = dir.file("v1.db");
  exec_raw(path, R"sql(
    CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL,
                     create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER);
    INSERT INTO meta (name, value) VALUES ('revision', 7);
    INSERT INTO kv VALUES ('tasks/a', 'one', 3, 5), ('tasks/b', 'two', 7, 7);
    PRAGMA user_version = 1;)sql");
  {
    auto store = open_sqlite_store(path);
    auto a = store->get("tasks/a");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->value, "one");
    EXPECT_EQ(a->create_revision, 3);
    EXPECT_EQ(a->mod_revision, 5);
    EXPECT_EQ(keys_of(store->range("tasks/")), (std::vector<std::string>{"tasks/a", "tasks/b"}));
    EXPECT_EQ(store->commit(put("tasks/c", "three")).revision, 8);
  }
  auto reopened = open_sqlite_store(path);  // now at the current version: opened as it is
  EXPECT_EQ(reopened->get("tasks/c")->value, "three");
}

TEST(SqliteStoreOpenTest, FileIsInWalMode) {
  TempDir dir;
  std::string path = dir.file("store.db");
  auto store = open_sqlite_store(path);
  store->commit(put("a", "1"));
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteStoreOpenTest, InMemoryStoreWorks) {
  auto store = open_sqlite_store(":memory:");
  EXPECT_EQ(store->commit(put("a", "1")).revision, 1);
  EXPECT_EQ(store->get("a")->value, "1");
}

}  // namespace
}  // namespace gantry::store
