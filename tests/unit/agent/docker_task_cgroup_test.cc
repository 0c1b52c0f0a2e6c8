// DockerTaskCgroup against a temporary directory standing in for the
// cgroup mount: which files get which limits, for cgroup v1 and v2.
#include "agent/drivers/docker_task_cgroup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "store/temp_dir.h"

namespace gantry::agent {
namespace {

namespace fs = std::filesystem;
using store::test_support::TempDir;

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class DockerTaskCgroupTest : public ::testing::Test {
 protected:
  fs::path root() const { return dir_.file("cgroup"); }

  TempDir dir_;
};

TEST_F(DockerTaskCgroupTest, V1WritesMemoryAndCpuLimits) {
  const DockerTaskCgroup cgroup(root(), 1);
  EXPECT_EQ(cgroup.create("t1", 512, 512), "/gantry-tasks/t1");
  EXPECT_EQ(read(root() / "memory/gantry-tasks/t1/memory.limit_in_bytes"), "536870912");
  EXPECT_EQ(read(root() / "cpu/gantry-tasks/t1/cpu.cfs_quota_us"), "50000");
  // v2's files are not written in v1.
  EXPECT_FALSE(fs::exists(root() / "cgroup.subtree_control"));
  EXPECT_FALSE(fs::exists(root() / "gantry-tasks"));
}

TEST_F(DockerTaskCgroupTest, V1CpuQuotaIsUnitsOver1024Cpus) {
  const DockerTaskCgroup cgroup(root(), 1);
  cgroup.create("a", std::nullopt, 2048);
  cgroup.create("b", std::nullopt, 100);
  EXPECT_EQ(read(root() / "cpu/gantry-tasks/a/cpu.cfs_quota_us"), "200000");
  EXPECT_EQ(read(root() / "cpu/gantry-tasks/b/cpu.cfs_quota_us"), "9765");
}

TEST_F(DockerTaskCgroupTest, V1WithoutLimitsMakesTheGroupsOnly) {
  const DockerTaskCgroup cgroup(root(), 1);
  EXPECT_EQ(cgroup.create("t2", std::nullopt, std::nullopt), "/gantry-tasks/t2");
  EXPECT_TRUE(fs::is_directory(root() / "memory/gantry-tasks/t2"));
  EXPECT_TRUE(fs::is_directory(root() / "cpu/gantry-tasks/t2"));
  EXPECT_TRUE(fs::is_empty(root() / "memory/gantry-tasks/t2"));
  EXPECT_TRUE(fs::is_empty(root() / "cpu/gantry-tasks/t2"));
}

TEST_F(DockerTaskCgroupTest, V2DelegatesControllersAndWritesLimits) {
  const DockerTaskCgroup cgroup(root(), 2);
  EXPECT_EQ(cgroup.create("t1", 256, 256), "/gantry-tasks/t1");
  EXPECT_EQ(read(root() / "cgroup.subtree_control"), "+memory +cpu");
  EXPECT_EQ(read(root() / "gantry-tasks/cgroup.subtree_control"), "+memory +cpu");
  EXPECT_EQ(read(root() / "gantry-tasks/t1/memory.max"), "268435456");
  EXPECT_EQ(read(root() / "gantry-tasks/t1/cpu.max"), "25000 100000");
  EXPECT_FALSE(fs::exists(root() / "memory"));  // no per-controller hierarchies
}

TEST_F(DockerTaskCgroupTest, V2WithoutLimitsWritesNoLimitFiles) {
  const DockerTaskCgroup cgroup(root(), 2);
  cgroup.create("t3", std::nullopt, std::nullopt);
  EXPECT_TRUE(fs::is_directory(root() / "gantry-tasks/t3"));
  EXPECT_FALSE(fs::exists(root() / "gantry-tasks/t3/memory.max"));
  EXPECT_FALSE(fs::exists(root() / "gantry-tasks/t3/cpu.max"));
}

TEST_F(DockerTaskCgroupTest, CreateThrowsWhenTheGroupCannotBeMade) {
  std::ofstream(root()) << "not a directory";
  EXPECT_THROW(DockerTaskCgroup(root(), 1).create("t1", 64, 128), std::runtime_error);
  EXPECT_THROW(DockerTaskCgroup(root(), 2).create("t1", 64, 128), std::runtime_error);
}

TEST_F(DockerTaskCgroupTest, V1RemoveRemovesTheTaskGroupInEveryHierarchy) {
  // On a cgroupfs the groups hold only kernel files, which rmdir takes; here
  // they are empty directories.
  for (const char* controller : {"memory", "cpu", "pids", "cpuset"}) {
    fs::create_directories(root() / controller / "gantry-tasks/t1");
    fs::create_directories(root() / controller / "gantry-tasks/other");
  }
  DockerTaskCgroup(root(), 1).remove("t1");
  for (const char* controller : {"memory", "cpu", "pids", "cpuset"}) {
    EXPECT_FALSE(fs::exists(root() / controller / "gantry-tasks/t1")) << controller;
    EXPECT_TRUE(fs::exists(root() / controller / "gantry-tasks/other")) << controller;
  }
}

TEST_F(DockerTaskCgroupTest, V2RemoveRemovesTheTaskGroup) {
  fs::create_directories(root() / "gantry-tasks/t1");
  fs::create_directories(root() / "gantry-tasks/other");
  DockerTaskCgroup(root(), 2).remove("t1");
  EXPECT_FALSE(fs::exists(root() / "gantry-tasks/t1"));
  EXPECT_TRUE(fs::exists(root() / "gantry-tasks/other"));
}

TEST_F(DockerTaskCgroupTest, RemoveOfAMissingGroupIsQuiet) {
  fs::create_directories(root());
  EXPECT_NO_THROW(DockerTaskCgroup(root(), 1).remove("never"));
  EXPECT_NO_THROW(DockerTaskCgroup(root(), 2).remove("never"));
}

TEST_F(DockerTaskCgroupTest, RemoveNeverDeletesFilesInsideAGroup) {
  // rmdir, not remove_all: a group that still holds something stays.
  const DockerTaskCgroup cgroup(root(), 2);
  cgroup.create("busy", 64, std::nullopt);
  EXPECT_NO_THROW(cgroup.remove("busy"));
  EXPECT_EQ(read(root() / "gantry-tasks/busy/memory.max"), "67108864");
}

}  // namespace
}  // namespace gantry::agent
