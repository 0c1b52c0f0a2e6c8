// The control plane's store of the stats agents report: latest per task,
// under the cluster its ARN names, dropped with the instance's channel,
// expired when stale.
#include "state/task_stats.h"

#include <gtest/gtest.h>

namespace gantry::state {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInstanceA = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/a";
constexpr const char* kInstanceB = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/b";

// A report of tasks named "<cluster>/<id>".
model::StatsReport report(double sampled_at, std::vector<std::string> tasks, double cpu = 1) {
  model::StatsReport r;
  r.sampled_at = sampled_at;
  for (auto& task : tasks) {
    std::string arn = "arn:aws:ecs:us-east-1:123456789012:task/" + task;
    r.tasks.push_back({arn, {{"app", "rt-" + task, cpu, 100, 1000}}});
  }
  return r;
}

// The entries' task ids.
std::vector<std::string> ids(const std::vector<TaskStatsEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.task_arn.substr(e.task_arn.rfind('/') + 1));
  return out;
}

TEST(TaskStatsTest, KeepsTheLatestReportPerTaskWithItsInstance) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record(kInstanceA, report(990, {"prod/t1", "prod/t2"}, 1), now);
  stats.record(kInstanceB, report(991, {"prod/t3"}, 2), now);
  stats.record(kInstanceA, report(995, {"prod/t1"}, 7), now + 1s);
  stats.record(kInstanceA, report(995, {"other/t9"}), now);

  auto entries = stats.cluster("prod", now + 2s);
  ASSERT_EQ(ids(entries), (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_DOUBLE_EQ(entries[0].sampled_at, 995);
  EXPECT_DOUBLE_EQ(entries[0].containers.at(0).cpu_percent, 7);
  EXPECT_EQ(entries[0].instance_arn, kInstanceA);
  EXPECT_DOUBLE_EQ(entries[1].sampled_at, 990);  // not in the later report: kept
  EXPECT_EQ(entries[2].instance_arn, kInstanceB);
  EXPECT_EQ(ids(stats.cluster("other", now)), std::vector<std::string>{"t9"});
  EXPECT_TRUE(stats.cluster("none", now).empty());
}

TEST(TaskStatsTest, AnEntryExpiresAfterThreeIntervalsWithoutAReport) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record(kInstanceA, report(1000, {"prod/t1", "prod/t2"}), now);
  stats.record(kInstanceA, report(1010, {"prod/t1"}), now + 10s);
  // t2 was last reported at 1000: gone after 1015; t1 lives until 1025.
  EXPECT_EQ(ids(stats.cluster("prod", now + 15s)), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(ids(stats.cluster("prod", now + 16s)), std::vector<std::string>{"t1"});
  EXPECT_TRUE(stats.cluster("prod", now + 26s).empty());
}

TEST(TaskStatsTest, ReportsSweepExpiredEntriesOfOtherClusters) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record(kInstanceA, report(1000, {"quiet/old"}), now);
  stats.record(kInstanceB, report(1100, {"prod/t1"}), now + 100s);
  // Read as if time went back: the entry would be fresh, were it still held.
  EXPECT_TRUE(stats.cluster("quiet", now).empty());
}

TEST(TaskStatsTest, AHostsReportFilesEachTaskUnderItsOwnCluster) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  // A FARGATE host runs the tasks of every cluster.
  stats.record(kInstanceA, report(1000, {"api/t1", "batch/t2", "api/t3"}), now);
  EXPECT_EQ(ids(stats.cluster("api", now)), (std::vector<std::string>{"t1", "t3"}));
  EXPECT_EQ(ids(stats.cluster("batch", now)), std::vector<std::string>{"t2"});
}

TEST(TaskStatsTest, AClosedChannelDropsItsInstancesEntries) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record(kInstanceA, report(1000, {"prod/t1", "prod/t2"}), now);
  stats.record(kInstanceB, report(1000, {"prod/t3"}), now);
  stats.record(kInstanceA, report(1000, {"other/t4"}), now);
  stats.record(kInstanceB, report(1000, {"other/t5"}), now);
  stats.drop_instance(kInstanceA);  // every cluster's tasks it ran
  EXPECT_EQ(ids(stats.cluster("prod", now)), std::vector<std::string>{"t3"});
  EXPECT_EQ(ids(stats.cluster("other", now)), std::vector<std::string>{"t5"});
}

}  // namespace
}  // namespace gantry::state
