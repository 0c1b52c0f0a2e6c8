// Memory cgroups: finding this process's hierarchy (v1 and v2) from
// /proc's texts, and creating, limiting and removing groups for real where
// the machine allows it.
#include "agent/drivers/cgroup_memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "agent/process_test_support.h"

namespace gantry::agent {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(CgroupMemoryLocate, FindsAV1MemoryHierarchy) {
  auto where = locate_memory_cgroup(
      "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/\n",
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n");
  ASSERT_TRUE(where);
  EXPECT_EQ(where->version, 1);
  EXPECT_EQ(where->own, "/sys/fs/cgroup/memory/process_api/abc");
}

TEST(CgroupMemoryLocate, FindsAV1HierarchyMountedAtASubgroupWithOptionalFields) {
  auto where = locate_memory_cgroup("5:memory,hugetlb:/docker/c1/inner\n",
                                    "40 31 0:32 /docker/c1 /sys/fs/cgroup/mem\\040ory rw master:7 "
                                    "- cgroup cgroup rw,memory,hugetlb\n");
  ASSERT_TRUE(where);
  EXPECT_EQ(where->own, "/sys/fs/cgroup/mem ory/inner");
}

TEST(CgroupMemoryLocate, FindsAV2Hierarchy) {
  auto where = locate_memory_cgroup(
      "0::/user.slice/agent.service\n",
      "25 1 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_TRUE(where);
  EXPECT_EQ(where->version, 2);
  EXPECT_EQ(where->own, "/sys/fs/cgroup/user.slice/agent.service");

  auto root = locate_memory_cgroup("0::/\n", "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 none rw\n");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->own, "/sys/fs/cgroup");
}

TEST(CgroupMemoryLocate, NothingWithoutAMountedHierarchy) {
  EXPECT_FALSE(locate_memory_cgroup("4:memory:/x\n", "1 0 8:1 / / rw - ext4 /dev/vda rw\n"));
  EXPECT_FALSE(locate_memory_cgroup("", ""));
  // A group outside the mounted subtree cannot be reached.
  EXPECT_FALSE(locate_memory_cgroup(
      "4:memory:/elsewhere\n",
      "35 31 0:32 /docker /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"));
}

TEST(CgroupMemoryTest, DisabledCreatesNothing) {
  auto cgroups = CgroupMemory::disabled("not root");
  EXPECT_FALSE(cgroups.usable());
  EXPECT_EQ(cgroups.why_unusable(), "not root");
  EXPECT_EQ(cgroups.create("t", "c", {}, {64 << 20, std::nullopt}), fs::path());
  EXPECT_FALSE(cgroups.oom_killed("/nonexistent", true));
}

TEST(CgroupMemoryTest, UnusableWhereTheGroupCannotBeMade) {
  auto cgroups = CgroupMemory::at({1, "/nonexistent/cgroup"});
  EXPECT_FALSE(cgroups.usable());
  EXPECT_THAT(cgroups.why_unusable(), HasSubstr("/nonexistent/cgroup/gantry"));
}

TEST(CgroupMemoryTest, CreatesLimitsAndRemovesGroups) {
  const CgroupMemory& cgroups = detected_cgroups();
  if (!cgroups.usable()) GTEST_SKIP() << "no usable memory cgroup: " << cgroups.why_unusable();
  std::string task = "cgtest-" + std::to_string(::getpid());
  const char* limit = cgroups.version() == 1 ? "memory.limit_in_bytes" : "memory.max";
  auto first = cgroups.create(task, "a", {64 << 20, std::nullopt}, {16 << 20, 8 << 20});
  auto second = cgroups.create(task, "b", {}, {});
  EXPECT_EQ(first, cgroups.root() / task / "a");
  EXPECT_EQ(read_file(first.parent_path() / limit), std::to_string(64 << 20) + "\n");
  EXPECT_EQ(read_file(first / limit), std::to_string(16 << 20) + "\n");
  if (cgroups.version() == 1 && fs::exists(first / "memory.memsw.limit_in_bytes")) {
    EXPECT_EQ(read_file(first / "memory.memsw.limit_in_bytes"), std::to_string(16 << 20) + "\n");
  }
  EXPECT_FALSE(cgroups.oom_killed(first, true));

  // Invalid names and limits create nothing.
  EXPECT_THROW(cgroups.create(task, "../x", {}, {}), std::runtime_error);
  EXPECT_THROW(cgroups.create(task + "-bad", "c", {}, {-5, std::nullopt}), std::runtime_error);
  EXPECT_FALSE(fs::exists(cgroups.root() / (task + "-bad")));

  cgroups.remove(first);
  EXPECT_FALSE(fs::exists(first));
  EXPECT_TRUE(fs::exists(second.parent_path()));  // b still uses the task group
  cgroups.remove(second);
  EXPECT_FALSE(fs::exists(second.parent_path()));
}

}  // namespace
}  // namespace gantry::agent
