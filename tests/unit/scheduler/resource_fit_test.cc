#include "scheduler/resource_fit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scheduler/instance_builder.h"

namespace gantry::scheduler {
namespace {

using ::testing::ElementsAre;
using testing::make_instance;
using testing::make_request;

TEST(SchedulerResourceFit, ExactFitPassesAndOneMoreUnitFails) {
  auto instance = make_instance("a", 512, 1024);
  EXPECT_EQ(check_resources(instance, make_request(1, 512, 1024)), std::nullopt);
  EXPECT_EQ(check_resources(instance, make_request(1, 513, 1024)), "RESOURCE:CPU");
  EXPECT_EQ(check_resources(instance, make_request(1, 512, 1025)), "RESOURCE:MEMORY");
}

TEST(SchedulerResourceFit, PortsConflictPerProtocol) {
  auto instance = make_instance("a");
  instance.used_tcp_ports = {80};
  instance.used_udp_ports = {53};
  auto request = make_request(1);
  request.tcp_host_ports = {53, 8080};
  request.udp_host_ports = {80};
  EXPECT_EQ(check_resources(instance, request), std::nullopt);
  request.udp_host_ports = {53};
  EXPECT_EQ(check_resources(instance, request), "RESOURCE:PORTS");
}

TEST(SchedulerResourceFit, TakingDeductsAndHandsOutTheFirstGpus) {
  auto instance = make_instance("a", 1024, 2048);
  instance.free_gpu_ids = {"g0", "g1", "g2"};
  auto request = make_request(1, 256, 512);
  request.tcp_host_ports = {80, 0};
  request.udp_host_ports = {53};
  request.gpu_count = 2;
  ASSERT_EQ(check_resources(instance, request), std::nullopt);
  EXPECT_THAT(take_resources(instance, request), ElementsAre("g0", "g1"));
  EXPECT_EQ(instance.remaining_cpu, 768);
  EXPECT_EQ(instance.remaining_memory, 1536);
  EXPECT_THAT(instance.used_tcp_ports, ElementsAre(80));  // 0 is dynamic, not taken
  EXPECT_THAT(instance.used_udp_ports, ElementsAre(53));
  EXPECT_THAT(instance.free_gpu_ids, ElementsAre("g2"));
  EXPECT_EQ(check_resources(instance, request), "RESOURCE:PORTS");
  request.tcp_host_ports.clear();
  request.udp_host_ports.clear();
  EXPECT_EQ(check_resources(instance, request), "RESOURCE:GPU");
}

}  // namespace
}  // namespace gantry::scheduler
