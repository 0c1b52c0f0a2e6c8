// The control plane's store of the stats agents report: latest per task,
// per cluster, dropped with the instance's channel, expired when stale.
#include "state/task_stats.h"

#include <gtest/gtest.h>

namespace gantry::state {
namespace {

using namespace std::chrono_literals;

constexpr const char* kInstanceA = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/a";
constexpr const char* kInstanceB = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/b";

model::StatsReport report(double sampled_at, std::vector<std::string> task_arns, double cpu = 1) {
  model::StatsReport r;
  r.sampled_at = sampled_at;
  for (auto& arn : task_arns) r.tasks.push_back({arn, {{"app", "rt-" + arn, cpu, 100, 1000}}});
  return r;
}

std::vector<std::string> arns(const std::vector<TaskStatsEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.task_arn);
  return out;
}

TEST(TaskStatsTest, KeepsTheLatestReportPerTaskWithItsInstance) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record("prod", kInstanceA, report(990, {"t1", "t2"}, 1), now);
  stats.record("prod", kInstanceB, report(991, {"t3"}, 2), now);
  stats.record("prod", kInstanceA, report(995, {"t1"}, 7), now + 1s);
  stats.record("other", kInstanceA, report(995, {"t9"}), now);

  auto entries = stats.cluster("prod", now + 2s);
  ASSERT_EQ(arns(entries), (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_DOUBLE_EQ(entries[0].sampled_at, 995);
  EXPECT_DOUBLE_EQ(entries[0].containers.at(0).cpu_percent, 7);
  EXPECT_EQ(entries[0].instance_arn, kInstanceA);
  EXPECT_DOUBLE_EQ(entries[1].sampled_at, 990);  // not in the later report: kept
  EXPECT_EQ(entries[2].instance_arn, kInstanceB);
  EXPECT_EQ(arns(stats.cluster("other", now)), std::vector<std::string>{"t9"});
  EXPECT_TRUE(stats.cluster("none", now).empty());
}

TEST(TaskStatsTest, AnEntryExpiresAfterThreeIntervalsWithoutAReport) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record("prod", kInstanceA, report(1000, {"t1", "t2"}), now);
  stats.record("prod", kInstanceA, report(1010, {"t1"}), now + 10s);
  // t2 was last reported at 1000: gone after 1015; t1 lives until 1025.
  EXPECT_EQ(arns(stats.cluster("prod", now + 15s)), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(arns(stats.cluster("prod", now + 16s)), std::vector<std::string>{"t1"});
  EXPECT_TRUE(stats.cluster("prod", now + 26s).empty());
}

TEST(TaskStatsTest, ReportsSweepExpiredEntriesOfOtherClusters) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record("quiet", kInstanceA, report(1000, {"old"}), now);
  stats.record("prod", kInstanceB, report(1100, {"t1"}), now + 100s);
  // Read as if time went back: the entry would be fresh, were it still held.
  EXPECT_TRUE(stats.cluster("quiet", now).empty());
}

TEST(TaskStatsTest, AClosedChannelDropsItsInstancesEntries) {
  TaskStats stats(5s);
  core::SystemTime now{std::chrono::seconds(1000)};
  stats.record("prod", kInstanceA, report(1000, {"t1", "t2"}), now);
  stats.record("prod", kInstanceB, report(1000, {"t3"}), now);
  stats.record("other", kInstanceA, report(1000, {"t4"}), now);
  stats.drop_instance("prod", kInstanceA);
  EXPECT_EQ(arns(stats.cluster("prod", now)), std::vector<std::string>{"t3"});
  EXPECT_EQ(arns(stats.cluster("other", now)), std::vector<std::string>{"t4"});
}

}  // namespace
}  // namespace gantry::state
