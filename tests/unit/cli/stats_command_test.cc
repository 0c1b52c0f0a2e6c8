// `gantry stats`: the table it prints and its units.
#include "cli/stats_command.h"

#include <gtest/gtest.h>

#include <sstream>

namespace gantry::cli {
namespace {

namespace json = boost::json;

TEST(StatsCommandTest, HumanBytesAsDockerStatsWritesThem) {
  EXPECT_EQ(human_bytes(0), "0B");
  EXPECT_EQ(human_bytes(512), "512B");
  EXPECT_EQ(human_bytes(1536), "1.5KiB");
  EXPECT_EQ(human_bytes(1536000), "1.465MiB");
  EXPECT_EQ(human_bytes(int64_t{8} << 30), "8GiB");
  EXPECT_EQ(human_bytes(8194550000), "7.632GiB");
  EXPECT_EQ(human_bytes(-5), "0B");
}

TEST(StatsCommandTest, TableHasOneSortedRowPerContainer) {
  auto answer = json::parse(R"({"taskStats":[
    {"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/prod/bbb","containers":[
      {"name":"web","runtimeId":"r1","cpuPercent":150.256,"memoryBytes":1536000,"memoryLimitBytes":536870912},
      {"name":"log","runtimeId":"r2","cpuPercent":0,"memoryBytes":512,"memoryLimitBytes":0}]},
    {"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/prod/aaa","containers":[
      {"name":"app","runtimeId":"r3","cpuPercent":2,"memoryBytes":268435456,"memoryLimitBytes":536870912}]}],
    "failures":[]})")
                    .as_object();
  std::istringstream table(stats_table(answer));
  std::vector<std::string> lines;
  for (std::string line; std::getline(table, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "TASK   CONTAINER   CPU %     MEM USAGE / LIMIT   MEM %");
  EXPECT_EQ(lines[1], "aaa    app         2.00%     256MiB / 512MiB     50.00%");
  EXPECT_EQ(lines[2], "bbb    log         0.00%     512B / --           --");
  EXPECT_EQ(lines[3], "bbb    web         150.26%   1.465MiB / 512MiB   0.29%");
}

TEST(StatsCommandTest, AnEmptyAnswerIsJustTheHeader) {
  EXPECT_EQ(stats_table(json::object{{"taskStats", json::array{}}}),
            "TASK   CONTAINER   CPU %   MEM USAGE / LIMIT   MEM %\n");
}

}  // namespace
}  // namespace gantry::cli
