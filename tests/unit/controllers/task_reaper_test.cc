#include "controllers/task_reaper.h"

#include <gtest/gtest.h>

namespace gantry::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

state::Change task(std::string id, std::string last_status, std::optional<double> stopped_at) {
  state::TaskRecord record;
  record.cluster = "default";
  json::object doc{{"taskArn", "arn:aws:ecs:us-east-1:123456789012:task/default/" + id},
                   {"lastStatus", last_status}};
  if (stopped_at) doc["stoppedAt"] = *stopped_at;
  record.set_doc(doc);
  return state::put_change(state::task_key("default", id), std::move(record));
}

TEST(TaskReaper, ExpiresOnlyTasksStoppedLongerThanTheRetention) {
  state::ClusterState state;
  state.apply(state::put_change(state::cluster_key("default"),
                                state::ClusterRecord{{{"clusterName", "default"}}}));
  core::FakeClock clock;
  double now = core::to_epoch_seconds(clock.now());
  state.apply(task("old", "STOPPED", now - 3601));
  state.apply(task("recent", "STOPPED", now - 3599));
  state.apply(task("running", "RUNNING", std::nullopt));
  auto deletions = expired_tasks(state, clock.now(), 1h);
  ASSERT_EQ(deletions.size(), 1u);
  EXPECT_EQ(deletions[0].key, state::task_key("default", "old"));
  EXPECT_EQ(deletions[0].record, nullptr);
  clock.advance(2s);
  EXPECT_EQ(expired_tasks(state, clock.now(), 1h).size(), 2u);
}

}  // namespace
}  // namespace gantry::controllers
