#include "scheduler/placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "core/error.h"
#include "core/random.h"
#include "scheduler/instance_builder.h"

namespace gantry::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using testing::chosen;
using testing::make_instance;
using testing::make_request;

// (arn, reason) pairs, which gtest can compare and print.
using Row = std::pair<std::string, std::string>;

std::vector<Row> rows(const std::vector<Failure>& failures) {
  std::vector<Row> out;
  for (const auto& f : failures) out.emplace_back(f.arn, f.reason);
  return out;
}

PlacementResult run(const std::vector<InstanceView>& instances, const PlacementRequest& request,
                    uint64_t seed = 1) {
  auto random = core::make_seeded_random(seed);
  return place(instances, request, *random);
}

std::string error_of(const PlacementRequest& request) {
  try {
    run({make_instance("a")}, request);
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "InvalidParameterException");
    return e.message();
  }
  ADD_FAILURE() << "no error";
  return "";
}

PlacementRequest binpack(int count, const std::string& field, int64_t cpu, int64_t memory) {
  auto request = make_request(count, cpu, memory);
  request.strategies = {{"binpack", field}};
  return request;
}

TEST(Placement, EachResourceShortageHasItsReason) {
  std::vector<InstanceView> instances = {make_instance("cpu", 100, 4096),
                                         make_instance("mem", 4096, 100),
                                         make_instance("ports"), make_instance("gpu")};
  instances[2].used_tcp_ports = {80};
  instances[3].free_gpu_ids = {};
  instances[0].free_gpu_ids = instances[1].free_gpu_ids = instances[2].free_gpu_ids = {"g0"};
  auto request = make_request(1, 512, 512);
  request.tcp_host_ports = {80};
  request.gpu_count = 1;
  auto result = run(instances, request);
  EXPECT_TRUE(result.placements.empty());
  EXPECT_THAT(rows(result.failures), ElementsAre(Row{instances[0].arn, "RESOURCE:CPU"},
                                           Row{instances[1].arn, "RESOURCE:MEMORY"},
                                           Row{instances[2].arn, "RESOURCE:PORTS"},
                                           Row{instances[3].arn, "RESOURCE:GPU"}));
}

TEST(Placement, CpuIsReportedBeforeOtherShortages) {
  auto instance = make_instance("a", 0, 0);
  auto request = make_request(1, 256, 256);
  request.gpu_count = 1;
  EXPECT_THAT(rows(run({instance}, request).failures),
              ElementsAre(Row{instance.arn, "RESOURCE:CPU"}));
}

TEST(Placement, PlacesWhereTheTaskFitsAndReportsNothing) {
  std::vector<InstanceView> instances = {make_instance("small", 128, 128),
                                         make_instance("big", 4096, 8192)};
  auto result = run(instances, make_request(1, 1024, 1024));
  EXPECT_THAT(chosen(result), ElementsAre(1));
  EXPECT_TRUE(result.failures.empty());
}

TEST(Placement, LaterTasksSeeWhatEarlierOnesTook) {
  auto result = run({make_instance("a", 1024, 4096)}, make_request(3, 512, 512));
  EXPECT_THAT(chosen(result), ElementsAre(0, 0));
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].reason, "RESOURCE:CPU");
}

TEST(Placement, InactiveAndOtherLaunchTypeInstancesAreSkippedSilently) {
  std::vector<InstanceView> instances = {make_instance("draining"), make_instance("fargate-only"),
                                         make_instance("full", 0, 0), make_instance("ok")};
  instances[0].status = "DRAINING";
  instances[1].offers_ec2 = false;
  instances[1].offers_fargate = true;
  auto result = run(instances, make_request(1));
  EXPECT_THAT(chosen(result), ElementsAre(3));

  instances.pop_back();
  result = run(instances, make_request(1));
  EXPECT_TRUE(result.placements.empty());
  EXPECT_THAT(rows(result.failures), ElementsAre(Row{instances[2].arn, "RESOURCE:CPU"}));
}

TEST(Placement, FargateRequestsUseOnlyFargateCapacity) {
  std::vector<InstanceView> instances = {make_instance("ec2"), make_instance("fargate")};
  instances[1].offers_ec2 = false;
  instances[1].offers_fargate = true;
  auto request = make_request(2);
  request.launch_type = "FARGATE";
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1, 1));
  request.launch_type = "";  // RunTask's default: EC2
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(0, 0));
}

TEST(Placement, NothingToTryGivesOneMissingFailure) {
  auto result = run({}, make_request(1));
  EXPECT_TRUE(result.placements.empty());
  EXPECT_THAT(rows(result.failures), ElementsAre(Row{"", "MISSING"}));

  auto draining = make_instance("d");
  draining.status = "DRAINING";
  auto inactive = make_instance("i");
  inactive.status = "INACTIVE";
  EXPECT_THAT(rows(run({draining, inactive}, make_request(1)).failures),
              ElementsAre(Row{"", "MISSING"}));
}

TEST(Placement, ZeroCountPlacesNothing) {
  auto result = run({make_instance("a")}, make_request(0));
  EXPECT_TRUE(result.placements.empty());
  EXPECT_TRUE(result.failures.empty());
}

TEST(Placement, RequiredAttributesMustBePresent) {
  std::vector<InstanceView> instances = {make_instance("plain", 0, 0), make_instance("docker")};
  instances[1].attributes["com.amazonaws.ecs.capability.docker-remote-api.1.19"] = "";
  auto request = make_request(1);
  request.required_attributes = {"com.amazonaws.ecs.capability.docker-remote-api.1.19"};
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1));

  instances.pop_back();
  // The attribute stage runs before the resource stage, so it names the reason.
  EXPECT_THAT(rows(run(instances, request).failures),
              ElementsAre(Row{instances[0].arn, "ATTRIBUTE"}));
}

TEST(Placement, BinpackChoosesTheFullestInstanceThatFits) {
  std::vector<InstanceView> instances = {make_instance("roomy", 4096, 8192),
                                         make_instance("snug", 1024, 1024),
                                         make_instance("too-small", 4096, 256)};
  EXPECT_THAT(chosen(run(instances, binpack(1, "memory", 128, 512))), ElementsAre(1));
  // By CPU, "too-small" is not the fullest and "snug" still is.
  instances[2].remaining_memory = 4096;
  instances[2].remaining_cpu = 2048;
  EXPECT_THAT(chosen(run(instances, binpack(1, "cpu", 512, 128))), ElementsAre(1));
  // A task "snug" cannot take goes to the next fullest that can.
  EXPECT_THAT(chosen(run(instances, binpack(1, "cpu", 1536, 128))), ElementsAre(2));
}

TEST(Placement, BinpackFillsOneInstanceBeforeTheNext) {
  std::vector<InstanceView> instances = {make_instance("a", 2048, 4096),
                                         make_instance("b", 1024, 4096)};
  auto result = run(instances, binpack(4, "cpu", 512, 128));
  EXPECT_THAT(chosen(result), ElementsAre(1, 1, 0, 0));
}

TEST(Placement, BinpackTiesFallToTheNextStrategyThenTheLowestIndex) {
  std::vector<InstanceView> instances = {make_instance("a", 1024, 4096),
                                         make_instance("b", 1024, 2048),
                                         make_instance("c", 1024, 2048)};
  auto request = binpack(1, "cpu", 128, 128);
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(0));  // all tie: lowest index
  request.strategies.push_back({"binpack", "memory"});
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1));
  instances[1].task_groups = {"family:web"};
  request.strategies.push_back({"spread", "instanceId"});
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(2));
}

TEST(Placement, SpreadByInstanceEvensOutTheGroup) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("c")};
  instances[0].task_groups = {"family:web", "family:web"};
  instances[1].task_groups = {"family:other", "family:other", "family:other"};
  auto request = make_request(4);
  request.strategies = {{"spread", "instanceId"}};
  // b and c have none of the group: they come first, lowest index first.
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1, 2, 1, 2));
  request.strategies = {{"spread", "host"}};
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1, 2, 1, 2));
}

TEST(Placement, SpreadAcrossAvailabilityZonesWithTenTasks) {
  const char* zones[] = {"us-east-1a", "us-east-1a", "us-east-1b", "us-east-1c", "us-east-1c"};
  std::vector<InstanceView> instances;
  for (int i = 0; i < 5; ++i) {
    instances.push_back(make_instance("i" + std::to_string(i), 8192, 16384));
    instances.back().attributes["ecs.availability-zone"] = zones[i];
  }
  auto request = make_request(10);
  request.strategies = {{"spread", "attribute:ecs.availability-zone"}, {"spread", "instanceId"}};
  auto result = run(instances, request);
  ASSERT_EQ(result.placements.size(), 10u);
  EXPECT_TRUE(result.failures.empty());
  std::map<std::string, int> per_zone;
  std::vector<int> per_instance(5);
  for (size_t i : chosen(result)) {
    ++per_zone[zones[i]];
    ++per_instance[i];
  }
  EXPECT_EQ(per_zone["us-east-1a"], 4);  // the tie after 9 goes to the first zone
  EXPECT_EQ(per_zone["us-east-1b"], 3);
  EXPECT_EQ(per_zone["us-east-1c"], 3);
  EXPECT_THAT(per_instance, ElementsAre(2, 2, 3, 2, 1));
}

TEST(Placement, SpreadCountsInstancesWithoutTheAttributeAsOneValue) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("zoned")};
  instances[2].attributes["ecs.availability-zone"] = "us-east-1a";
  auto request = make_request(4);
  request.strategies = {{"spread", "attribute:ecs.availability-zone"}};
  // "" holds a and b: after one task on a, the next goes to the zoned one.
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(0, 2, 0, 2));
}

TEST(Placement, DistinctInstanceStopsWhenInstancesRunOut) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("c")};
  auto request = make_request(5);
  request.constraints = {{"distinctInstance", ""}};
  auto result = run(instances, request);  // random: any order, each once
  EXPECT_THAT(chosen(result), UnorderedElementsAre(0, 1, 2));
  EXPECT_THAT(rows(result.failures), ElementsAre(Row{instances[0].arn, "ATTRIBUTE"},
                                           Row{instances[1].arn, "ATTRIBUTE"},
                                           Row{instances[2].arn, "ATTRIBUTE"}));
}

TEST(Placement, DistinctInstanceCountsTasksAlreadyThere) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b")};
  instances[0].task_groups = {"family:web"};
  instances[1].task_groups = {"family:other"};
  auto request = make_request(1);
  request.constraints = {{"distinctInstance", ""}};
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1));
}

TEST(Placement, MemberOfKeepsTasksOnMatchingInstances) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("c")};
  instances[0].attributes["ecs.instance-type"] = "t2.micro";
  instances[1].attributes["ecs.instance-type"] = "g2.2xlarge";
  instances[2].attributes["ecs.instance-type"] = "g2.8xlarge";
  auto request = make_request(4);
  request.constraints = {{"memberOf", "attribute:ecs.instance-type =~ g2.*"}};
  request.strategies = {{"spread", "instanceId"}};
  EXPECT_THAT(chosen(run(instances, request)), ElementsAre(1, 2, 1, 2));

  request.constraints = {{"memberOf", "attribute:ecs.instance-type == p3.2xlarge"}};
  auto result = run(instances, request);
  EXPECT_TRUE(result.placements.empty());
  EXPECT_EQ(result.failures.size(), 3u);
  for (const auto& f : result.failures) EXPECT_EQ(f.reason, "ATTRIBUTE");
}

TEST(Placement, MemberOfSeesGroupsPlacedEarlierInTheSameCall) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b")};
  auto request = make_request(3);
  request.constraints = {{"memberOf", "not(task:group == family:web)"}};
  auto result = run(instances, request);
  EXPECT_THAT(chosen(result), UnorderedElementsAre(0, 1));
  EXPECT_EQ(result.failures.size(), 2u);
}

TEST(Placement, HostPortsConflict) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b")};
  instances[0].used_tcp_ports = {22, 80};
  instances[1].used_udp_ports = {80};  // UDP does not block TCP
  auto request = make_request(3);
  request.tcp_host_ports = {80};
  auto result = run(instances, request);
  EXPECT_THAT(chosen(result), ElementsAre(1));  // then b has 80 too
  EXPECT_THAT(rows(result.failures), ElementsAre(Row{instances[0].arn, "RESOURCE:PORTS"},
                                           Row{instances[1].arn, "RESOURCE:PORTS"}));

  request = make_request(2);
  request.udp_host_ports = {53};
  request.tcp_host_ports = {0};  // dynamic: never a conflict
  EXPECT_EQ(run(instances, request).placements.size(), 2u);
}

TEST(Placement, GpuIdsAreAssignedInOrderAndNeverTwice) {
  std::vector<InstanceView> instances = {make_instance("a", 8192, 16384),
                                         make_instance("b", 8192, 16384)};
  instances[0].free_gpu_ids = {"gpu-0", "gpu-1", "gpu-2", "gpu-3", "gpu-4"};
  instances[1].free_gpu_ids = {"gpu-x", "gpu-y"};
  auto request = binpack(4, "cpu", 128, 128);
  request.gpu_count = 2;
  auto result = run(instances, request);
  ASSERT_EQ(result.placements.size(), 3u);
  EXPECT_THAT(result.placements[0].gpu_ids, ElementsAre("gpu-0", "gpu-1"));
  EXPECT_THAT(result.placements[1].gpu_ids, ElementsAre("gpu-2", "gpu-3"));
  EXPECT_EQ(result.placements[2].instance, 1u);  // a has one GPU left
  EXPECT_THAT(result.placements[2].gpu_ids, ElementsAre("gpu-x", "gpu-y"));
  EXPECT_THAT(rows(result.failures), ElementsAre(Row{instances[0].arn, "RESOURCE:GPU"},
                                           Row{instances[1].arn, "RESOURCE:GPU"}));
}

TEST(Placement, TasksWithoutGpusGetNoGpuIds) {
  auto instance = make_instance("a");
  instance.free_gpu_ids = {"gpu-0"};
  auto result = run({instance}, make_request(2));
  ASSERT_EQ(result.placements.size(), 2u);
  EXPECT_TRUE(result.placements[0].gpu_ids.empty());
  EXPECT_TRUE(result.placements[1].gpu_ids.empty());
}

TEST(Placement, RandomIsReproducibleWithASeed) {
  std::vector<InstanceView> instances;
  for (int i = 0; i < 5; ++i) instances.push_back(make_instance("i" + std::to_string(i), 1 << 20, 1 << 20));
  auto request = make_request(40);  // no strategy: random
  auto first = chosen(run(instances, request, 42));
  EXPECT_EQ(first, chosen(run(instances, request, 42)));
  request.strategies = {{"random", ""}};
  EXPECT_EQ(first, chosen(run(instances, request, 42)));
  // Uniform over five instances: forty draws use every one.
  std::vector<int> per_instance(5);
  for (size_t i : first) ++per_instance[i];
  for (int n : per_instance) EXPECT_GT(n, 0);
  // Some other seed chooses differently.
  bool differs = false;
  for (uint64_t seed = 1; seed < 5 && !differs; ++seed)
    differs = chosen(run(instances, request, seed)) != first;
  EXPECT_TRUE(differs);
}

TEST(Placement, RandomOnlyBreaksTiesLeftByEarlierStrategies) {
  std::vector<InstanceView> instances = {make_instance("a", 1024, 4096),
                                         make_instance("b", 512, 4096),
                                         make_instance("c", 512, 4096)};
  auto request = make_request(1, 128, 128);
  request.strategies = {{"binpack", "cpu"}, {"random", ""}};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto result = run(instances, request, seed);
    ASSERT_EQ(result.placements.size(), 1u);
    EXPECT_NE(result.placements[0].instance, 0u);
  }
}

TEST(Placement, OutcomesAreDeterministicWithoutRandom) {
  std::vector<InstanceView> instances;
  for (int i = 0; i < 6; ++i) {
    instances.push_back(make_instance("i" + std::to_string(i), 1024 * (i % 3 + 1), 4096));
    instances.back().attributes["ecs.availability-zone"] = i % 2 ? "b" : "a";
  }
  auto request = make_request(8, 256, 256);
  request.strategies = {{"spread", "attribute:ecs.availability-zone"}, {"binpack", "cpu"}};
  auto expected = chosen(run(instances, request, 1));
  for (uint64_t seed = 2; seed < 6; ++seed) EXPECT_EQ(chosen(run(instances, request, seed)), expected);
  EXPECT_EQ(expected.size(), 8u);
}

TEST(Placement, MalformedStrategiesAreRejected) {
  auto request = make_request(1);
  request.strategies = {{"fullest", ""}};
  EXPECT_THAT(error_of(request), HasSubstr("Invalid placement strategy type 'fullest'"));
  request.strategies = {{"binpack", "disk"}};
  EXPECT_THAT(error_of(request), HasSubstr("Invalid placement strategy field 'disk' for binpack"));
  request.strategies = {{"binpack", ""}};
  EXPECT_THAT(error_of(request), HasSubstr("for binpack"));
  request.strategies = {{"spread", "attribute:"}};
  EXPECT_THAT(error_of(request), HasSubstr("for spread"));
  request.strategies = {{"spread", "cpu"}};
  EXPECT_THAT(error_of(request), HasSubstr("for spread"));
  request.strategies.assign(6, {"random", ""});
  EXPECT_THAT(error_of(request), HasSubstr("at most 5"));
  request.strategies.assign(5, {"random", ""});
  EXPECT_EQ(run({make_instance("a")}, request).placements.size(), 1u);
}

TEST(Placement, MalformedConstraintsAreRejected) {
  auto request = make_request(1);
  request.constraints = {{"distinctInstance", "attribute:a exists"}};
  EXPECT_THAT(error_of(request), HasSubstr("distinctInstance"));
  request.constraints = {{"memberOf", ""}};
  EXPECT_THAT(error_of(request), HasSubstr("memberOf placement constraint requires"));
  request.constraints = {{"sameZone", ""}};
  EXPECT_THAT(error_of(request), HasSubstr("Invalid placement constraint type 'sameZone'"));
  request.constraints = {{"memberOf", "attribute:a =="}};
  EXPECT_THAT(error_of(request), HasSubstr("Invalid cluster query expression"));
  request.constraints.assign(11, {"memberOf", "attribute:a !exists"});
  EXPECT_THAT(error_of(request), HasSubstr("at most 10"));
  request.constraints.assign(10, {"memberOf", "attribute:a !exists"});
  EXPECT_EQ(run({make_instance("a")}, request).placements.size(), 1u);
}

TEST(Placement, ValidationHappensEvenWithoutInstances) {
  auto request = make_request(1);
  request.strategies = {{"bogus", ""}};
  auto random = core::make_seeded_random(1);
  EXPECT_THROW(place({}, request, *random), core::ApiError);
}

}  // namespace
}  // namespace gantry::scheduler
