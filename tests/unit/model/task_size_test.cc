#include "model/task_size.h"

#include <gtest/gtest.h>

namespace gantry::model {
namespace {

TEST(TaskSize, CpuAcceptsUnitsAndVcpus) {
  EXPECT_EQ(parse_task_cpu("256"), 256);
  EXPECT_EQ(parse_task_cpu(" 1024 "), 1024);
  EXPECT_EQ(parse_task_cpu("1 vCPU"), 1024);
  EXPECT_EQ(parse_task_cpu("1 vcpu"), 1024);
  EXPECT_EQ(parse_task_cpu("1vcpu"), 1024);
  EXPECT_EQ(parse_task_cpu("2 VCPU"), 2048);
  EXPECT_EQ(parse_task_cpu("0.25 vCPU"), 256);
  EXPECT_EQ(parse_task_cpu(".5 vcpu"), 512);
  EXPECT_EQ(parse_task_cpu("0.125 vCPU"), 128);
  EXPECT_EQ(parse_task_cpu("4 vcpus"), 4096);
}

TEST(TaskSize, CpuRefusesOtherForms) {
  EXPECT_FALSE(parse_task_cpu(""));
  EXPECT_FALSE(parse_task_cpu("vCPU"));
  EXPECT_FALSE(parse_task_cpu("1 core"));
  EXPECT_FALSE(parse_task_cpu("-256"));
  EXPECT_FALSE(parse_task_cpu("256.5"));
  EXPECT_FALSE(parse_task_cpu("0.1 vCPU"));  // 102.4 units is not a whole number
  EXPECT_FALSE(parse_task_cpu("1.2.3 vcpu"));
  EXPECT_FALSE(parse_task_cpu("99999999999999999999"));
}

TEST(TaskSize, MemoryAcceptsMibAndGb) {
  EXPECT_EQ(parse_task_memory("512"), 512);
  EXPECT_EQ(parse_task_memory("1GB"), 1024);
  EXPECT_EQ(parse_task_memory("1 GB"), 1024);
  EXPECT_EQ(parse_task_memory("1 gb"), 1024);
  EXPECT_EQ(parse_task_memory("0.5GB"), 512);
  EXPECT_EQ(parse_task_memory("2 GiB"), 2048);
  EXPECT_EQ(parse_task_memory("30 GB"), 30720);
}

TEST(TaskSize, MemoryRefusesOtherForms) {
  EXPECT_FALSE(parse_task_memory(""));
  EXPECT_FALSE(parse_task_memory("GB"));
  EXPECT_FALSE(parse_task_memory("512MB"));
  EXPECT_FALSE(parse_task_memory("1 TB"));
  EXPECT_FALSE(parse_task_memory("512.5"));
  EXPECT_FALSE(parse_task_memory("0.0001GB"));
}

TEST(TaskSize, FargateSizesFollowTheDocumentedTable) {
  EXPECT_TRUE(is_fargate_size(256, 512));
  EXPECT_TRUE(is_fargate_size(256, 1024));
  EXPECT_TRUE(is_fargate_size(256, 2048));
  EXPECT_FALSE(is_fargate_size(256, 3072));
  EXPECT_FALSE(is_fargate_size(256, 1536));
  EXPECT_TRUE(is_fargate_size(512, 1024));
  EXPECT_TRUE(is_fargate_size(512, 4096));
  EXPECT_FALSE(is_fargate_size(512, 512));
  EXPECT_FALSE(is_fargate_size(512, 5120));
  EXPECT_TRUE(is_fargate_size(1024, 2048));
  EXPECT_TRUE(is_fargate_size(1024, 8192));
  EXPECT_FALSE(is_fargate_size(1024, 1024));
  EXPECT_TRUE(is_fargate_size(2048, 16384));
  EXPECT_FALSE(is_fargate_size(2048, 4608));
  EXPECT_TRUE(is_fargate_size(4096, 30720));
  EXPECT_FALSE(is_fargate_size(4096, 31744));
  EXPECT_TRUE(is_fargate_size(8192, 16384));
  EXPECT_TRUE(is_fargate_size(8192, 61440));
  EXPECT_FALSE(is_fargate_size(8192, 17408));  // steps of 4 GB
  EXPECT_TRUE(is_fargate_size(16384, 32768));
  EXPECT_TRUE(is_fargate_size(16384, 122880));
  EXPECT_FALSE(is_fargate_size(16384, 36864));  // steps of 8 GB
  EXPECT_FALSE(is_fargate_size(128, 512));
  EXPECT_FALSE(is_fargate_size(3072, 8192));
}

}  // namespace
}  // namespace gantry::model
