#include "scheduler/indexed_placement.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "scheduler/instance_builder.h"
#include "scheduler/placement.h"
#include "scheduler/placement_cases.h"

// Beside the helpers they share (placement_cases.h, instance_builder.h).
namespace gantry::scheduler::testing {
namespace {

// Every strategy, chains included: place_indexed() takes any request.
const std::vector<Strategies> kStrategies = {
    {{"binpack", "cpu"}},
    {{"binpack", "memory"}},
    {{"spread", "instanceId"}},
    {{"spread", "host"}},
    {{"spread", "attribute:zone"}},
    {{"spread", "attribute:zone"}, {"binpack", "memory"}},
    {{"spread", "attribute:zone"}, {"spread", "instanceId"}},
    {{"spread", "attribute:zone"}, {"spread", "attribute:rack"}, {"binpack", "cpu"}},
    {{"binpack", "memory"}, {"spread", "attribute:zone"}},
    {{"spread", "instanceId"}, {"binpack", "cpu"}},
    {},
    {{"random", ""}},
    {{"binpack", "cpu"}, {"random", ""}},
    {{"spread", "attribute:zone"}, {"random", ""}, {"binpack", "cpu"}},
};

// A placement is valid when the instance was eligible and fit the task, as
// the earlier placements of the same call left it.
void expect_valid(std::vector<InstanceView> instances, const PlacementRequest& request,
                  const PlacementResult& result) {
  for (const auto& p : result.placements) {
    ASSERT_LT(p.instance, instances.size());
    auto& v = instances[p.instance];
    EXPECT_EQ(v.status, "ACTIVE");
    EXPECT_LE(request.cpu, v.remaining_cpu);
    EXPECT_LE(request.memory, v.remaining_memory);
    EXPECT_EQ(p.gpu_ids.size(), static_cast<size_t>(request.gpu_count));
    v.remaining_cpu -= request.cpu;
    v.remaining_memory -= request.memory;
  }
}

TEST(IndexedPlacementProperty, MatchesPlaceOnRandomClustersAndRequests) {
  Outcomes outcomes;
  for_each_case(20240604, 3000, [&](uint64_t seed, CaseGenerator& generate) {
    const auto instances = generate.cluster();
    const auto request = generate.request(kStrategies);
    auto oracle_random = core::make_seeded_random(seed);
    auto indexed_random = core::make_seeded_random(seed);
    const auto expected = place(instances, request, *oracle_random);
    const auto actual = place_indexed(instances, request, *indexed_random);
    ASSERT_EQ(describe(actual), describe(expected)) << describe(request) << "\n"
                                                    << describe(instances);
    // The same draws: random picks the same element of the same ties.
    ASSERT_EQ(indexed_random->next(), oracle_random->next());
    expect_valid(instances, request, actual);
    outcomes.count(actual);
  });
  outcomes.expect_both();
}

TEST(IndexedPlacementProperty, MatchesPlaceOnLargeHomogeneousClusters) {
  const auto instances = homogeneous_cluster();
  for_each_case(1, 20, [&](uint64_t seed, CaseGenerator& generate) {
    const auto request = generate.homogeneous_request(kStrategies);
    auto r1 = core::make_seeded_random(seed);
    auto r2 = core::make_seeded_random(seed);
    ASSERT_EQ(describe(place_indexed(instances, request, *r2)),
              describe(place(instances, request, *r1)))
        << describe(request);
  });
}

TEST(IndexedPlacement, BinpackFillsTheFullestInstanceAgain) {
  std::vector<InstanceView> instances = {make_instance("a", 1024), make_instance("b", 512),
                                         make_instance("c", 512)};
  auto request = make_request(5, 256, 1);
  request.strategies = {{"binpack", "cpu"}};
  auto random = core::make_seeded_random(1);
  // b (lowest index of the fullest) twice, then c twice, then a.
  EXPECT_EQ(chosen(place_indexed(instances, request, *random)),
            (std::vector<size_t>{1, 1, 2, 2, 0}));
}

TEST(IndexedPlacement, SpreadByAttributeCountsIneligibleInstances) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("drained")};
  instances[0].attributes["zone"] = "x";
  instances[1].attributes["zone"] = "y";
  instances[2].attributes["zone"] = "x";
  instances[2].status = "DRAINING";
  instances[2].task_groups = {"family:web", "family:web"};
  auto request = make_request(3);
  request.strategies = {{"spread", "attribute:zone"}};
  auto random = core::make_seeded_random(1);
  // Zone x already holds two of the group (on the drained instance).
  EXPECT_EQ(chosen(place_indexed(instances, request, *random)), (std::vector<size_t>{1, 1, 0}));
}

TEST(IndexedPlacement, MemberOfOnTaskGroupSeesTasksPlacedEarlierInTheCall) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b")};
  auto request = make_request(3);
  request.constraints = {{"memberOf", "not(task:group == family:web)"}};
  request.strategies = {{"binpack", "cpu"}};
  auto random = core::make_seeded_random(1);
  const auto result = place_indexed(instances, request, *random);
  EXPECT_EQ(chosen(result), (std::vector<size_t>{0, 1}));
  ASSERT_EQ(result.failures.size(), 2u);
  EXPECT_EQ(result.failures[0].reason, "ATTRIBUTE");
  EXPECT_EQ(result.failures[1].arn, instances[1].arn);
}

TEST(IndexedPlacement, GivesTheFirstFreeGpusAndReportsShortages) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b")};
  instances[0].free_gpu_ids = {"g0", "g1", "g2"};
  auto request = make_request(2);
  request.gpu_count = 2;
  request.strategies = {{"spread", "instanceId"}};
  auto random = core::make_seeded_random(1);
  const auto result = place_indexed(instances, request, *random);
  ASSERT_EQ(result.placements.size(), 1u);
  EXPECT_EQ(result.placements[0].gpu_ids, (std::vector<std::string>{"g0", "g1"}));
  ASSERT_EQ(result.failures.size(), 2u);
  EXPECT_EQ(result.failures[0].reason, "RESOURCE:GPU");
  EXPECT_EQ(result.failures[1].reason, "RESOURCE:GPU");
}

TEST(IndexedPlacement, NoEligibleInstanceIsMissing) {
  std::vector<InstanceView> instances = {make_instance("a")};
  instances[0].status = "DRAINING";
  auto random = core::make_seeded_random(1);
  const auto result = place_indexed(instances, make_request(1), *random);
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].arn, "");
  EXPECT_EQ(result.failures[0].reason, "MISSING");
}

TEST(IndexedPlacement, RejectsAMalformedRequestLikePlace) {
  auto random = core::make_seeded_random(1);
  auto request = make_request(1);
  request.strategies = {{"binpack", "disk"}};
  EXPECT_THROW(place_indexed({make_instance("a")}, request, *random), core::ApiError);
  request.strategies = {};
  request.constraints = {{"memberOf", "attribute:zone =="}};
  EXPECT_THROW(place_indexed({make_instance("a")}, request, *random), core::ApiError);
}

TEST(IndexedPlacement, RandomIsReproducibleAndValid) {
  std::vector<InstanceView> instances;
  for (int i = 0; i < 200; ++i) instances.push_back(make_instance("r" + std::to_string(i), 512));
  const auto request = make_request(10, 256, 128);
  auto r1 = core::make_seeded_random(42);
  auto r2 = core::make_seeded_random(42);
  const auto first = place_indexed(instances, request, *r1);
  EXPECT_EQ(describe(first), describe(place_indexed(instances, request, *r2)));
  EXPECT_EQ(first.placements.size(), 10u);
  EXPECT_TRUE(first.failures.empty());
  expect_valid(instances, request, first);
}

}  // namespace
}  // namespace gantry::scheduler::testing
