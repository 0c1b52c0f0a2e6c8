#include "ecs/task_requirements.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

json::object definition(std::string_view text) { return json::parse(text).as_object(); }

TEST(TaskRequirements, ContainerSizesAddUpWithoutTaskLevelOnes) {
  auto r = task_requirements(definition(R"({"containerDefinitions": [
      {"name": "a", "cpu": 256, "memory": 512},
      {"name": "b", "cpu": 128, "memoryReservation": 100, "memory": 300}]})"),
                             {});
  EXPECT_EQ(r.cpu, 384);
  EXPECT_EQ(r.memory, 612);  // the reservation counts where there is one
  EXPECT_FALSE(r.task_cpu);
}

TEST(TaskRequirements, TaskLevelSizesAndOverridesWin) {
  auto r = task_requirements(
      definition(R"({"cpu": "1 vCPU", "memory": "2GB", "containerDefinitions": [{"name": "a"}]})"),
      json::parse(R"({"memory": "4096"})").as_object());
  EXPECT_EQ(r.cpu, 1024);
  EXPECT_EQ(r.memory, 4096);
}

TEST(TaskRequirements, ContainerOverridesReplaceTheDefinitionsSizes) {
  auto r = task_requirements(
      definition(R"({"containerDefinitions": [{"name": "a", "cpu": 10, "memory": 20}]})"),
      json::parse(R"({"containerOverrides": [{"name": "a", "cpu": 30, "memory": 40}]})").as_object());
  EXPECT_EQ(r.cpu, 30);
  EXPECT_EQ(r.memory, 40);
}

TEST(TaskRequirements, HostPortsDependOnTheNetworkMode) {
  const char* containers = R"("containerDefinitions": [{"name": "a", "portMappings": [
      {"containerPort": 80}, {"containerPort": 81, "hostPort": 8081},
      {"containerPort": 53, "protocol": "udp"}]}])";
  auto host = task_requirements(definition(std::string(R"({"networkMode": "host",)") + containers + "}"), {});
  EXPECT_EQ(host.tcp_ports, (std::vector<int32_t>{80, 8081}));
  EXPECT_EQ(host.udp_ports, (std::vector<int32_t>{53}));
  auto bridge = task_requirements(definition(std::string("{") + containers + "}"), {});
  EXPECT_EQ(bridge.tcp_ports, (std::vector<int32_t>{8081}));  // the others are dynamic
  auto awsvpc = task_requirements(definition(std::string(R"({"networkMode": "awsvpc",)") + containers + "}"), {});
  EXPECT_TRUE(awsvpc.tcp_ports.empty());
}

TEST(TaskRequirements, GpusAreCountedPerContainer) {
  auto r = task_requirements(definition(R"({"containerDefinitions": [
      {"name": "a", "resourceRequirements": [{"type": "GPU", "value": "2"}]},
      {"name": "b", "resourceRequirements": [{"type": "GPU", "value": "1"}]}]})"),
                             {});
  EXPECT_EQ(r.gpu_count, 3);
  EXPECT_EQ(r.containers[0].gpu_count, 2);
}

TEST(TaskRequirements, AnOverrideOfAnUnknownContainerIsRefused) {
  try {
    task_requirements(definition(R"({"containerDefinitions": [{"name": "a"}]})"),
                      json::parse(R"({"containerOverrides": [{"name": "zzz"}]})").as_object());
    FAIL() << "expected an error";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_NE(error.message().find("zzz"), std::string::npos);
  }
}

TEST(TaskRequirements, ABadGpuCountIsRefused) {
  EXPECT_THROW(task_requirements(definition(R"({"containerDefinitions": [
      {"name": "a", "resourceRequirements": [{"type": "GPU", "value": "two"}]}]})"),
                                 {}),
               core::ApiError);
}

}  // namespace
}  // namespace gantry::ecs
