#include "controllers/task_reaper.h"

#include <gtest/gtest.h>

#include "runtime_fixture.h"

namespace gantry::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const core::SystemTime kStart = core::FakeClock().now();

state::Change cluster(const std::string& name) {
  return state::put_change(state::cluster_key(name),
                           state::ClusterRecord{json::object{{"clusterName", name}}});
}

state::Change task(const std::string& cluster, const std::string& id, std::string last_status,
                   std::optional<core::SystemTime> stopped_at) {
  json::object doc{{"taskArn", "arn:aws:ecs:us-east-1:123456789012:task/" + cluster + "/" + id},
                   {"lastStatus", last_status}};
  if (stopped_at) doc["stoppedAt"] = core::to_epoch_seconds(*stopped_at);
  return state::put_change(state::task_key(cluster, id),
                           state::TaskRecord(cluster, doc, {}, "", ""));
}

state::Change stopped(const std::string& id, core::SystemTime at) {
  return task("default", id, "STOPPED", at);
}

std::vector<std::string> ids(const ExpiredTasks& found) {
  std::vector<std::string> out;
  for (const auto& ref : found.tasks) out.push_back(ref.cluster + "/" + ref.id);
  return out;
}

// The decision alone, on a ClusterState built by hand.
class ExpiredTasksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.apply(cluster("default"));
    state_.apply(cluster("other"));
  }
  ExpiredTasks expired_at(core::SystemTime now, size_t limit = 1000) const {
    return expired_tasks(state_, now, 1h, limit);
  }
  state::ClusterState state_;
};

TEST_F(ExpiredTasksTest, TakesTasksStoppedAnHourAgoAndNamesTheNextExpiry) {
  state_.apply(stopped("old", kStart - 1h - 1s));
  state_.apply(stopped("recent", kStart - 59min));
  state_.apply(task("default", "running", "RUNNING", std::nullopt));
  state_.apply(task("default", "odd", "STOPPED", std::nullopt));  // no stoppedAt: kept

  auto found = expired_at(kStart);
  EXPECT_EQ(ids(found), std::vector<std::string>{"default/old"});
  EXPECT_EQ(found.next_expiry, kStart + 1min);

  found = expired_at(kStart + 1min);
  EXPECT_EQ(ids(found), (std::vector<std::string>{"default/old", "default/recent"}));
  EXPECT_EQ(found.next_expiry, std::nullopt);
}

TEST_F(ExpiredTasksTest, TheIndexFollowsEachTasksLatestRecord) {
  state_.apply(task("default", "a", "RUNNING", std::nullopt));
  EXPECT_TRUE(expired_at(kStart + 2h).tasks.empty());
  state_.apply(stopped("a", kStart - 2h));
  EXPECT_EQ(ids(expired_at(kStart)).size(), 1u);
  // A later report of the same stopped task moves its stop time.
  state_.apply(stopped("a", kStart - 30min));
  EXPECT_TRUE(expired_at(kStart).tasks.empty());
  EXPECT_EQ(expired_at(kStart).next_expiry, kStart + 30min);
  state_.apply(state::delete_change(state::task_key("default", "a")));
  EXPECT_EQ(expired_at(kStart + 2h).next_expiry, std::nullopt);
}

TEST_F(ExpiredTasksTest, TakesEachClustersEarliestStopsFirstAndAtMostTheLimit) {
  state_.apply(stopped("late", kStart - 2h));
  state_.apply(stopped("early", kStart - 3h));
  state_.apply(stopped("fresh", kStart - 10min));
  state_.apply(task("other", "x", "STOPPED", kStart - 4h));

  auto found = expired_at(kStart, 2);
  EXPECT_EQ(ids(found), (std::vector<std::string>{"default/early", "default/late"}));
  EXPECT_EQ(found.next_expiry, kStart - 3h);  // "other/x" is due already

  found = expired_at(kStart);
  EXPECT_EQ(ids(found), (std::vector<std::string>{"default/early", "default/late", "other/x"}));
  EXPECT_EQ(found.next_expiry, kStart + 50min);
}

TEST_F(ExpiredTasksTest, TheWriterDeletesOnlyWhatIsStillExpired) {
  state_.apply(stopped("gone", kStart - 2h));
  state_.apply(stopped("restopped", kStart - 2h));
  auto found = expired_at(kStart);
  ASSERT_EQ(found.tasks.size(), 2u);
  state_.apply(state::delete_change(state::task_key("default", "gone")));
  state_.apply(stopped("restopped", kStart - 5min));
  EXPECT_TRUE(delete_expired(state_, found.tasks, kStart, 1h).changes.empty());

  state_.apply(stopped("expired", kStart - 2h));
  auto outcome = delete_expired(state_, {{"default", "expired"}}, kStart, 1h);
  ASSERT_EQ(outcome.changes.size(), 1u);
  EXPECT_EQ(outcome.changes[0].key, state::task_key("default", "expired"));
  EXPECT_EQ(outcome.changes[0].record, nullptr);
}

// The reaper on the controller runtime, end to end on fake time.
class TaskReaperTest : public RuntimeFixture {
 protected:
  void SetUp() override { put({cluster("default")}); }
  void start(size_t batch = TaskReaper::kDefaultBatch) {
    runtime_.add(std::make_unique<TaskReaper>(1h, batch));
    runtime_.start();
    settle();
  }
  bool exists(const std::string& id) {
    return read([&](const state::ClusterState& s) { return s.task("default", id) != nullptr; });
  }
  size_t task_count() {
    return read([](const state::ClusterState& s) { return s.tasks("default").size(); });
  }
};

TEST_F(TaskReaperTest, ExpiresTasksAnHourAfterTheyStop) {
  const auto now = clock_.now();
  put({stopped("old", now - 1h - 1s), stopped("recent", now - 59min),
       task("default", "running", "RUNNING", std::nullopt)});
  start();
  EXPECT_FALSE(exists("old"));
  EXPECT_TRUE(exists("recent"));
  EXPECT_TRUE(exists("running"));

  clock_.advance(1min - 1s);
  settle();
  EXPECT_TRUE(exists("recent"));
  clock_.advance(1s);  // the reaper's timer is armed for this instant
  settle();
  EXPECT_FALSE(exists("recent"));
  EXPECT_TRUE(exists("running"));
  EXPECT_EQ(clock_.armed_timers(), 0u);  // nothing left to expire
}

TEST_F(TaskReaperTest, ATaskThatStopsLaterExpiresAnHourAfterItsStop) {
  start();
  clock_.advance(5h);
  settle();
  put({stopped("new", clock_.now())});
  settle();  // the stop wakes the reaper, which arms its timer
  clock_.advance(1h - 1ms);
  settle();
  EXPECT_TRUE(exists("new"));
  clock_.advance(1ms);
  settle();
  EXPECT_FALSE(exists("new"));
}

TEST_F(TaskReaperTest, DeletesInBoundedBatchesUntilNoneIsLeft) {
  const auto now = clock_.now();
  std::vector<state::Change> tasks;
  for (int i = 0; i < 25; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "t%03d", i);
    tasks.push_back(stopped(id, now - 2h + std::chrono::seconds(i)));
  }
  put(std::move(tasks));
  int64_t commits = store_.commits();
  start(10);
  EXPECT_EQ(task_count(), 0u);
  EXPECT_EQ(store_.commits() - commits, 3);  // 10 + 10 + 5
  EXPECT_EQ(runtime_.status("task-reaper").reconciles, 3u);
}

}  // namespace
}  // namespace gantry::controllers
