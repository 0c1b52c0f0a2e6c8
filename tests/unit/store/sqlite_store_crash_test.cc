// A child process commits transactions and reports each one after commit()
// returns; the parent kills it with SIGKILL at some point and checks that
// every reported transaction survived and that nothing was half written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "store/sqlite_store.h"
#include "temp_dir.h"

namespace gantry::store {
namespace {

std::string item_key(int64_t i) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "item/%08lld", static_cast<long long>(i));
  return buffer;
}

std::string item_value(int64_t i) { return std::string(700, static_cast<char>('a' + i % 26)); }

// Transaction i (at revision i + 1) adds item i and moves the counter to i.
[[noreturn]] void run_child(const std::string& path, int report_fd) {
  try {
    auto store = open_sqlite_store(path);
    for (int64_t i = store->revision();; ++i) {
      Txn txn;
      txn.compares = {Compare{item_key(i), 0}};
      txn.ops = {Put{item_key(i), item_value(i)}, Put{"counter", std::to_string(i)}};
      if (!store->commit(txn).succeeded) _exit(3);
      if (write(report_fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(4);
    }
  } catch (...) {
    _exit(2);
  }
}

// Reads one report; false at end of file.
bool read_report(int fd, int64_t& value) {
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&value);
  while (got < sizeof value) {
    ssize_t n = read(fd, bytes + got, sizeof value - got);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(n);
  }
  return true;
}

// Runs a child until it has reported `reports` commits, kills it, and returns
// the last transaction it reported (-1 when none).
int64_t commit_then_kill(const std::string& path, int reports) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    run_child(path, fds[1]);
  }
  close(fds[1]);
  int64_t last = -1;
  int64_t report = 0;
  for (int seen = 0; seen < reports && read_report(fds[0], report); ++seen) last = report;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // Whatever the child reported before it died counts too.
  while (read_report(fds[0], report)) last = report;
  close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child stopped by itself, status " << status;
  return last;
}

// Every transaction up to the revision is whole, and none after it exists.
void expect_consistent(Store& store, int64_t last_reported) {
  int64_t revision = store.revision();
  EXPECT_GE(revision, last_reported + 1) << "a reported commit was lost";
  auto items = store.range("item/");
  ASSERT_EQ(static_cast<int64_t>(items.size()), revision);
  for (int64_t i = 0; i < revision; ++i) {
    const KeyValue& item = items[static_cast<size_t>(i)];
    ASSERT_EQ(item.key, item_key(i));
    ASSERT_EQ(item.value, item_value(i));
    ASSERT_EQ(item.create_revision, i + 1);
    ASSERT_EQ(item.mod_revision, i + 1);
  }
  if (revision > 0) {
    auto counter = store.get("counter");
    ASSERT_TRUE(counter.has_value());
    EXPECT_EQ(counter->value, std::to_string(revision - 1));
    EXPECT_EQ(counter->mod_revision, revision);
    EXPECT_EQ(counter->create_revision, 1);
  }
}

TEST(SqliteStoreCrashTest, EveryReportedCommitSurvivesSigkill) {
  test_support::TempDir dir;
  std::string path = dir.file("store.db");
  int64_t last_reported = -1;
  // Several rounds on one file: each child resumes where the last one died,
  // so recovery from a killed writer's WAL is exercised too.
  for (int reports : {40, 150, 90}) {
    int64_t last = commit_then_kill(path, reports);
    ASSERT_GT(last, last_reported) << "the child made no progress";
    last_reported = last;
    auto store = open_sqlite_store(path);
    expect_consistent(*store, last_reported);
    if (testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace gantry::store
