#include "scheduler/indexed_placement.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "scheduler/instance_builder.h"
#include "scheduler/placement.h"

namespace gantry::scheduler {
namespace {

using testing::chosen;
using testing::make_instance;
using testing::make_request;

// Everything a result says, in a form gtest compares and prints.
std::string describe(const PlacementResult& result) {
  std::ostringstream out;
  for (const auto& p : result.placements) {
    out << p.instance;
    for (const auto& gpu : p.gpu_ids) out << "/" << gpu;
    out << " ";
  }
  for (const auto& f : result.failures) out << "[" << f.arn << " " << f.reason << "]";
  return out.str();
}

std::string describe(const std::vector<InstanceView>& instances, const PlacementRequest& request) {
  std::ostringstream out;
  out << "request: count=" << request.count << " group=" << request.group
      << " launch=" << request.launch_type << " cpu=" << request.cpu << " mem=" << request.memory
      << " tcp=" << request.tcp_host_ports.size() << " gpu=" << request.gpu_count
      << " required=" << request.required_attributes.size();
  for (const auto& c : request.constraints) out << " {" << c.type << " " << c.expression << "}";
  for (const auto& s : request.strategies) out << " <" << s.type << " " << s.field << ">";
  out << "\n";
  for (size_t i = 0; i < instances.size(); ++i) {
    const auto& v = instances[i];
    out << i << ": " << v.status << (v.offers_ec2 ? " ec2" : "") << (v.offers_fargate ? " fg" : "")
        << " cpu=" << v.remaining_cpu << " mem=" << v.remaining_memory
        << " gpus=" << v.free_gpu_ids.size() << " ports=" << v.used_tcp_ports.size();
    for (const auto& [k, val] : v.attributes) out << " " << k << "=" << val;
    for (const auto& g : v.task_groups) out << " " << g;
    out << "\n";
  }
  return out.str();
}

// Random clusters and requests with coarse values, so that ties (where the
// two implementations could differ) are common.
class CaseGenerator {
 public:
  explicit CaseGenerator(uint64_t seed) : rng_(seed) {}

  std::vector<InstanceView> cluster() {
    std::vector<InstanceView> instances;
    const int n = pick(0, 20) == 0 ? pick(0, 3) : pick(1, 60);
    for (int i = 0; i < n; ++i) {
      auto v = make_instance("c" + std::to_string(i), 256 * pick(0, 8), 512 * pick(0, 8));
      v.status = one_of<std::string>({"ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "DRAINING", "INACTIVE"});
      v.offers_ec2 = pick(0, 9) != 0;
      v.offers_fargate = pick(0, 3) == 0;
      v.running_tasks_count = pick(0, 5);
      if (pick(0, 9) != 0) v.attributes["zone"] = one_of<std::string>({"a", "b", "c"});
      if (pick(0, 1) == 0) v.attributes["rack"] = one_of<std::string>({"r1", "r2"});
      if (pick(0, 4) != 0) v.attributes["ecs.os-type"] = "linux";
      if (pick(0, 3) == 0) v.used_tcp_ports.insert(80);
      if (pick(0, 5) == 0) v.used_tcp_ports.insert(8080);
      if (pick(0, 7) == 0) v.used_udp_ports.insert(53);
      for (int g = pick(0, 3) == 0 ? pick(1, 3) : 0; g > 0; --g)
        v.free_gpu_ids.push_back("gpu-" + std::to_string(i) + "-" + std::to_string(g));
      for (int t = pick(0, 3); t > 0; --t)
        v.task_groups.insert(one_of<std::string>({"family:web", "family:x", "service:api"}));
      instances.push_back(std::move(v));
    }
    return instances;
  }

  PlacementRequest request() {
    auto r = make_request(pick(1, 10), 128 * pick(0, 8), 256 * pick(0, 8));
    r.group = one_of<std::string>({"family:web", "family:x", "service:api"});
    r.launch_type = one_of<std::string>({"EC2", "EC2", "", "FARGATE"});
    if (pick(0, 2) == 0) r.tcp_host_ports = {one_of<int32_t>({80, 8080, 0})};
    if (pick(0, 9) == 0) r.udp_host_ports = {53};
    r.gpu_count = pick(0, 4) == 0 ? pick(1, 2) : 0;
    if (pick(0, 5) == 0) r.required_attributes = {one_of<std::string>({"zone", "ecs.os-type"})};
    if (pick(0, 3) == 0) r.constraints.push_back({"distinctInstance", ""});
    if (pick(0, 2) == 0)
      r.constraints.push_back({"memberOf", one_of<std::string>({
                                               "attribute:zone == a",
                                               "attribute:zone in [a, b]",
                                               "not(task:group == family:x)",
                                               "task:group == family:web or attribute:rack == r1",
                                               "attribute:zone != c and runningTasksCount < 3",
                                           })});
    using S = std::vector<PlacementStrategy>;
    r.strategies = one_of<S>({
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
    });
    return r;
  }

 private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  template <typename T>
  T one_of(std::vector<T> options) {
    return options[static_cast<size_t>(pick(0, static_cast<int>(options.size()) - 1))];
  }

  std::mt19937_64 rng_;
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
  constexpr uint64_t kBaseSeed = 20240604;
  constexpr int kCases = 3000;
  int placed = 0, failed = 0;
  for (int n = 0; n < kCases; ++n) {
    const uint64_t seed = kBaseSeed + static_cast<uint64_t>(n);
    CaseGenerator generate(seed);
    const auto instances = generate.cluster();
    const auto request = generate.request();
    auto oracle_random = core::make_seeded_random(seed);
    auto indexed_random = core::make_seeded_random(seed);
    const auto expected = place(instances, request, *oracle_random);
    const auto actual = place_indexed(instances, request, *indexed_random);
    ASSERT_EQ(describe(actual), describe(expected))
        << "case " << n << " seed " << seed << "\n"
        << describe(instances, request);
    // The same draws: random picks the same element of the same ties.
    ASSERT_EQ(indexed_random->next(), oracle_random->next()) << "case " << n << " seed " << seed;
    expect_valid(instances, request, actual);
    placed += static_cast<int>(actual.placements.size());
    failed += actual.failures.empty() ? 0 : 1;
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(placed, kCases);
  EXPECT_GT(failed, kCases / 10);
}

TEST(IndexedPlacementProperty, MatchesPlaceOnLargeHomogeneousClusters) {
  // Many exact ties: every instance alike but for its index and zone.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    CaseGenerator generate(seed);
    std::vector<InstanceView> instances;
    for (int i = 0; i < 500; ++i) {
      auto v = make_instance("h" + std::to_string(i), 1024, 2048);
      v.attributes["zone"] = std::string(1, static_cast<char>('a' + i % 3));
      instances.push_back(std::move(v));
    }
    auto request = generate.request();
    request.launch_type = "EC2";
    request.count = 10;
    request.gpu_count = 0;
    auto r1 = core::make_seeded_random(seed);
    auto r2 = core::make_seeded_random(seed);
    ASSERT_EQ(describe(place_indexed(instances, request, *r2)), describe(place(instances, request, *r1)))
        << "seed " << seed << " " << describe({}, request);
  }
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
}  // namespace gantry::scheduler
