// The docker-stats figures from Docker's stats JSON.
#include "agent/container_usage.h"

#include <gtest/gtest.h>

namespace gantry::agent {
namespace {

namespace json = boost::json;

json::object cpu_stats(uint64_t total, uint64_t system, unsigned online) {
  return {{"cpu_usage", json::object{{"total_usage", total}}},
          {"system_cpu_usage", system},
          {"online_cpus", online}};
}

TEST(ContainerUsageTest, CpuPercentIsDockersFormula) {
  // Half of one CPU's share of the system's time, on 4 CPUs: 2 of 4 CPUs busy.
  EXPECT_DOUBLE_EQ(cpu_percent({1'000, 10'000}, {3'000, 14'000}, 4), 200.0);
  EXPECT_DOUBLE_EQ(cpu_percent({0, 0}, {100, 1'000}, 1), 10.0);
  // Counters that did not move or went back give 0, not a negative or infinite figure.
  EXPECT_DOUBLE_EQ(cpu_percent({5'000, 10'000}, {5'000, 20'000}, 2), 0.0);
  EXPECT_DOUBLE_EQ(cpu_percent({5'000, 10'000}, {4'000, 20'000}, 2), 0.0);
  EXPECT_DOUBLE_EQ(cpu_percent({1'000, 10'000}, {2'000, 10'000}, 2), 0.0);
}

TEST(ContainerUsageTest, CpuTimesOfAnEmptyPrecpuAreUnknown) {
  EXPECT_FALSE(cpu_times(json::object{}));
  // Docker's precpu_stats on a first sample.
  EXPECT_FALSE(cpu_times(cpu_stats(0, 0, 0)));
  auto times = cpu_times(cpu_stats(7, 9, 2));
  ASSERT_TRUE(times);
  EXPECT_EQ(times->container_ns, 7u);
  EXPECT_EQ(times->system_ns, 9u);
}

TEST(ContainerUsageTest, MemorySubtractsTheReclaimableCache) {
  // cgroup v1: total_inactive_file wins over cache.
  auto v1 = memory_use(json::parse(R"({"usage":1000,"limit":4000,
      "stats":{"total_inactive_file":300,"cache":500,"inactive_file":100}})")
                           .as_object());
  EXPECT_EQ(v1.used_bytes, 700);
  EXPECT_EQ(v1.limit_bytes, 4000);
  // cgroup v2.
  auto v2 = memory_use(
      json::parse(R"({"usage":1000,"limit":4000,"stats":{"inactive_file":250}})").as_object());
  EXPECT_EQ(v2.used_bytes, 750);
  // Older v1 engines: cache.
  auto old =
      memory_use(json::parse(R"({"usage":1000,"limit":4000,"stats":{"cache":600}})").as_object());
  EXPECT_EQ(old.used_bytes, 400);
  // A figure not below usage is not subtracted.
  auto odd = memory_use(
      json::parse(R"({"usage":1000,"limit":4000,"stats":{"inactive_file":1000}})").as_object());
  EXPECT_EQ(odd.used_bytes, 1000);
  // No stats at all (an exited container).
  auto none = memory_use(json::object{});
  EXPECT_EQ(none.used_bytes, 0);
  EXPECT_EQ(none.limit_bytes, 0);
}

TEST(ContainerUsageTest, UsesPrecpuStatsWhenDockerFilledThem) {
  json::object stats{{"cpu_stats", cpu_stats(3'000, 20'000, 2)},
                     {"precpu_stats", cpu_stats(1'000, 10'000, 2)},
                     {"memory_stats", json::object{{"usage", 100}, {"limit", 200}}}};
  // The collector's own previous sample is ignored when precpu is there.
  ContainerUsage usage = container_usage(stats, CpuTimes{0, 1});
  EXPECT_DOUBLE_EQ(usage.cpu_percent, 40.0);
  EXPECT_EQ(usage.memory.used_bytes, 100);
  EXPECT_EQ(usage.memory.limit_bytes, 200);
  ASSERT_TRUE(usage.cpu);
  EXPECT_EQ(usage.cpu->container_ns, 3'000u);
}

TEST(ContainerUsageTest, FallsBackToThePreviousSampleWithoutPrecpu) {
  json::object stats{{"cpu_stats", cpu_stats(3'000, 20'000, 1)}, {"precpu_stats", json::object{}}};
  EXPECT_DOUBLE_EQ(container_usage(stats, std::nullopt).cpu_percent, 0.0);
  EXPECT_DOUBLE_EQ(container_usage(stats, CpuTimes{2'000, 15'000}).cpu_percent, 20.0);
}

TEST(ContainerUsageTest, CountsCpusFromPercpuUsageOnOldEngines) {
  json::object cpu{
      {"cpu_usage", json::object{{"total_usage", 3'000}, {"percpu_usage", json::array{1, 2, 3}}}},
      {"system_cpu_usage", 20'000}};
  json::object stats{{"cpu_stats", cpu}};
  EXPECT_DOUBLE_EQ(container_usage(stats, CpuTimes{2'000, 10'000}).cpu_percent, 30.0);
}

}  // namespace
}  // namespace gantry::agent
