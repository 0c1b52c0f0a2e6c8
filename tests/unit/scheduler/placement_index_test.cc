#include "scheduler/placement_index.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "scheduler/constraint_filter.h"
#include "scheduler/eligibility.h"
#include "scheduler/feasibility.h"
#include "scheduler/instance_builder.h"
#include "scheduler/placement.h"
#include "scheduler/placement_cases.h"
#include "scheduler/resource_fit.h"

// Beside the helpers they share (placement_cases.h, instance_builder.h).
namespace gantry::scheduler::testing {
namespace {

bool is_random(const PlacementRequest& request) {
  return request.strategies.empty() || request.strategies.front().type == "random";
}

// The fast paths, twice as likely, then some of place_indexed()'s.
const std::vector<Strategies> kStrategies = {
    {},
    {{"random", ""}},
    {{"random", ""}, {"binpack", "cpu"}},
    {{"binpack", "cpu"}},
    {{"binpack", "memory"}},
    {{"spread", "instanceId"}},
    {{"spread", "host"}},
    {},
    {{"random", ""}},
    {{"binpack", "cpu"}},
    {{"binpack", "memory"}},
    {{"spread", "instanceId"}},
    {{"spread", "attribute:zone"}},
    {{"spread", "attribute:zone"}, {"binpack", "memory"}},
    {{"binpack", "memory"}, {"spread", "attribute:zone"}},
    {{"spread", "instanceId"}, {"binpack", "cpu"}},
    {{"binpack", "cpu"}, {"random", ""}},
};

// A few writes of the kind the control plane makes: an instance's tasks
// or registration changed, one deregistered, one (re)registered.
void churn(CaseGenerator& generate, PlacementIndex& index) {
  const auto& instances = index.instances();
  for (int n = generate.pick(0, 8); n > 0; --n) {
    const int op = generate.pick(0, 9);
    if (instances.empty() || op == 0) {
      // Slots are never freed, so the next slot's number names a new id.
      index.upsert(generate.instance("n" + std::to_string(instances.size())));
      continue;
    }
    const std::string id =
        instances[static_cast<size_t>(generate.pick(0, static_cast<int>(instances.size()) - 1))].id;
    if (op == 1) {
      index.remove(id);
    } else if (op == 2 || !index.find(id)) {
      index.upsert(generate.instance(id));  // a new registration under the id
    } else {
      InstanceView v = *index.find(id);
      v.remaining_cpu = 256 * generate.pick(0, 8);
      v.remaining_memory = 512 * generate.pick(0, 8);
      if (generate.pick(0, 3) == 0) v.task_groups.insert(generate.group());
      if (generate.pick(0, 3) == 0 && !v.task_groups.empty())
        v.task_groups.erase_one(v.task_groups.begin()->first);
      if (generate.pick(0, 5) == 0) v.used_tcp_ports.erase(80);
      if (generate.pick(0, 5) == 0) v.status = v.status == "ACTIVE" ? "DRAINING" : "ACTIVE";
      if (generate.pick(0, 5) == 0) v.running_tasks_count = generate.pick(0, 5);
      if (generate.pick(0, 7) == 0) v.free_gpu_ids.clear();
      index.upsert(std::move(v));
    }
  }
}

// What the control plane's writer does with a result: commit the tasks,
// then upsert the instances as the tasks left them.
void commit(PlacementIndex& index, const PlacementRequest& request, const PlacementResult& result) {
  std::map<size_t, InstanceView> changed;
  for (const auto& p : result.placements) {
    auto [it, fresh] = changed.try_emplace(p.instance);
    if (fresh) it->second = index.instances()[p.instance];
    take_resources(it->second, request);
    it->second.task_groups.insert(request.group);
  }
  for (auto& [slot, view] : changed) index.upsert(std::move(view));
}

// Why a random placement is not one place() could make (eligible and
// feasible as the earlier ones of the call left it, with the first free
// GPUs), or "" when every one is.
std::string infeasible_placement(std::vector<InstanceView> working, const PlacementRequest& request,
                                 const PlacementResult& result) {
  const ConstraintFilter constraints(request.constraints);
  for (const auto& p : result.placements) {
    const std::string where = "placement on slot " + std::to_string(p.instance) + ": ";
    if (p.instance >= working.size()) return where + "no such slot";
    InstanceView& v = working[p.instance];
    if (!is_eligible(v, request.launch_type)) return where + "ineligible";
    if (auto reason = first_rejection(v, request, constraints)) return where + std::string(*reason);
    if (take_resources(v, request) != p.gpu_ids) return where + "not the first free GPUs";
    v.task_groups.insert(request.group);
  }
  return "";
}

// What must agree with place(): everything for deterministic strategies;
// for random, feasible choices and, since an instance's state depends only
// on how many of the call's tasks it took, the number placed and the
// failures.
std::string outcome(const PlacementRequest& request, const PlacementResult& result,
                    const std::vector<InstanceView>& instances, bool checked) {
  if (!is_random(request)) return describe(result);
  const std::string infeasible = checked ? infeasible_placement(instances, request, result) : "";
  return infeasible + (infeasible.empty() ? "" : "; ") + std::to_string(result.placements.size()) +
         " placed " + describe(PlacementResult{{}, result.failures});
}

// The index against place() on the index's own snapshot, with the same seed.
PlacementResult expect_matches(const PlacementIndex& index, const PlacementRequest& request,
                               uint64_t seed, const std::string& where) {
  auto oracle_random = core::make_seeded_random(seed);
  auto index_random = core::make_seeded_random(seed);
  const auto expected = place(index.instances(), request, *oracle_random);
  const auto actual = index.place(request, *index_random);
  EXPECT_EQ(outcome(request, actual, index.instances(), true),
            outcome(request, expected, index.instances(), false))
      << where << "\n"
      << describe(request) << "\n"
      << describe(index.instances());
  return actual;
}

TEST(PlacementIndexProperty, MatchesPlaceAcrossUpsertsAndRemovals) {
  Outcomes outcomes;
  for_each_case(20240611, 3000, [&](uint64_t seed, CaseGenerator& generate) {
    PlacementIndex index;
    for (auto& v : generate.cluster()) index.upsert(std::move(v));
    // Two requests whose pools and orders, once built, follow every later write.
    const PlacementRequest requests[] = {generate.request(kStrategies),
                                         generate.request(kStrategies)};
    for (int round = 0; round < 4; ++round) {
      for (size_t r = 0; r < 2; ++r) {
        const std::string where =
            "round " + std::to_string(round) + " request " + std::to_string(r);
        const auto result = expect_matches(index, requests[r], seed + round, where);
        if (::testing::Test::HasFailure()) return;
        outcomes.count(result);
        if (r == 0) commit(index, requests[r], result);
      }
      churn(generate, index);
    }
  });
  outcomes.expect_both();
}

TEST(PlacementIndexProperty, MatchesPlaceOnLargeHomogeneousClusters) {
  for_each_case(1, 20, [&](uint64_t seed, CaseGenerator& generate) {
    PlacementIndex index;
    for (auto& v : homogeneous_cluster()) index.upsert(std::move(v));
    const auto request = generate.homogeneous_request(kStrategies);
    for (int round = 0; round < 30; ++round) {
      const auto result = expect_matches(index, request, seed, "round " + std::to_string(round));
      if (::testing::Test::HasFailure()) return;
      commit(index, request, result);
    }
  });
}

TEST(PlacementIndexProperty, StaysExactWhilePoolsAndOrdersAreEvicted) {
  PlacementIndex index;
  for (int i = 0; i < 120; ++i) {
    auto v = make_instance("e" + std::to_string(i), 4096, 8192);
    v.attributes["zone"] = std::string(1, static_cast<char>('a' + i % 3));
    v.running_tasks_count = i % 7;
    index.upsert(std::move(v));
  }
  // More groups and pools than the caches keep, each used again later.
  for (int round = 0; round < 400; ++round) {
    auto request = make_request(3, 64, 64);
    request.group = "family:g" + std::to_string(round % 90);
    request.strategies = {{round % 3 == 0 ? "binpack" : "spread", round % 3 == 0 ? "cpu" : "host"}};
    request.constraints = {{"memberOf", "runningTasksCount < " + std::to_string(round % 40 + 1)}};
    const auto result = expect_matches(index, request, 7, "round " + std::to_string(round));
    if (::testing::Test::HasFailure()) FAIL();
    commit(index, request, result);
  }
}

TEST(PlacementIndex, UpsertReplacesInPlaceAndAppendsNewIds) {
  PlacementIndex index;
  index.upsert(make_instance("a"));
  index.upsert(make_instance("b"));
  index.upsert(make_instance("b", 256));
  index.upsert(make_instance("c"));
  ASSERT_EQ(index.instances().size(), 3u);
  EXPECT_EQ(index.instances()[1].id, "b");
  EXPECT_EQ(index.instances()[1].remaining_cpu, 256);
  EXPECT_EQ(index.instances()[2].id, "c");
  ASSERT_NE(index.find("b"), nullptr);
  EXPECT_EQ(index.find("b")->remaining_cpu, 256);
  EXPECT_EQ(index.find("d"), nullptr);
}

TEST(PlacementIndex, RemovedInstancesAreTombstonesThatNeverTakeTasks) {
  PlacementIndex index;
  for (const char* id : {"a", "b", "c"}) index.upsert(make_instance(id, 1024));
  auto request = make_request(10, 256);
  request.strategies = {{"spread", "instanceId"}};
  auto random = core::make_seeded_random(1);
  index.place(request, *random);  // builds the pool and order that remove must update

  index.remove("b");
  ASSERT_EQ(index.instances().size(), 3u);
  EXPECT_EQ(index.instances()[1].id, "b");
  EXPECT_EQ(index.instances()[1].status, "INACTIVE");
  EXPECT_EQ(index.find("b"), nullptr);
  const auto result = index.place(request, *random);
  EXPECT_EQ(chosen(result), (std::vector<size_t>{0, 2, 0, 2, 0, 2, 0, 2}));
  ASSERT_EQ(result.failures.size(), 2u);  // the tombstone is not among them
  EXPECT_EQ(result.failures[0].arn, index.instances()[0].arn);
  EXPECT_EQ(result.failures[1].arn, index.instances()[2].arn);

  index.upsert(make_instance("b", 1024));
  EXPECT_EQ(index.instances().size(), 3u);
  EXPECT_EQ(index.find("b"), &index.instances()[1]);
  request.count = 3;
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{0, 1, 2}));
}

TEST(PlacementIndex, PlaceLeavesTheIndexAsItWas) {
  PlacementIndex index;
  for (int i = 0; i < 5; ++i) index.upsert(make_instance("p" + std::to_string(i), 512 * (i + 1)));
  const std::string before = describe(index.instances());
  auto request = make_request(4, 256);
  request.strategies = {{"binpack", "cpu"}};
  auto random = core::make_seeded_random(1);
  const auto first = index.place(request, *random);
  EXPECT_EQ(describe(index.instances()), before);
  EXPECT_EQ(describe(index.place(request, *random)), describe(first));
  EXPECT_EQ(chosen(first), (std::vector<size_t>{0, 0, 1, 1}));
}

TEST(PlacementIndex, CachedOrdersFollowUpsertsAndUpdates) {
  PlacementIndex index;
  index.upsert(make_instance("a", 1024, 4096));
  index.upsert(make_instance("b", 1024, 8192));
  auto request = make_request(1, 128, 1024);
  request.strategies = {{"binpack", "memory"}};
  auto random = core::make_seeded_random(1);
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{0}));
  index.upsert(make_instance("b", 1024, 2048));  // now the fuller one
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{1}));
  auto b = *index.find("b");
  b.remaining_cpu = 64;  // too little CPU for the request
  index.upsert(b);
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{0}));

  request.strategies = {{"spread", "instanceId"}};
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{0}));
  auto a = *index.find("a");
  a.task_groups.insert(request.group);
  index.upsert(a);
  b.remaining_cpu = 1024;
  index.upsert(b);
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{1}));

  // update() changes a stored view in place and refiles it as upsert() does.
  EXPECT_TRUE(index.update("b", [&](InstanceView& v) { v.task_groups.insert(request.group, 2); }));
  EXPECT_EQ(index.find("b")->task_groups.count(request.group), 2);
  EXPECT_EQ(chosen(index.place(request, *random)), (std::vector<size_t>{0}));
  index.remove("a");
  EXPECT_FALSE(index.update("a", [](InstanceView& v) { v.status = "ACTIVE"; }));
  EXPECT_FALSE(index.update("nobody", [](InstanceView&) {}));
  EXPECT_EQ(index.find("a"), nullptr);
}

TEST(PlacementIndex, RandomSpreadsOverEveryFeasibleInstance) {
  PlacementIndex index;
  for (int i = 0; i < 10; ++i)
    index.upsert(make_instance("r" + std::to_string(i), i == 3 ? 0 : 1024));
  auto request = make_request(1, 128);
  auto random = core::make_seeded_random(5);
  std::vector<int> hits(10, 0);
  for (int i = 0; i < 9000; ++i) ++hits[chosen(index.place(request, *random)).at(0)];
  EXPECT_EQ(hits[3], 0);  // no CPU left
  for (size_t i = 0; i < hits.size(); ++i) {
    if (i == 3) continue;
    EXPECT_NEAR(hits[i], 1000, 150) << "instance " << i;
  }
}

// The same exception as place(): type and message, strategies checked first.
void expect_same_error(const PlacementIndex& index, const PlacementRequest& request) {
  auto random = core::make_seeded_random(1);
  std::string expected, actual;
  try {
    place(index.instances(), request, *random);
  } catch (const core::ApiError& e) {
    expected = e.type() + ": " + e.message();
  }
  try {
    index.place(request, *random);
  } catch (const core::ApiError& e) {
    actual = e.type() + ": " + e.message();
  }
  EXPECT_FALSE(expected.empty()) << describe(request);
  EXPECT_EQ(actual, expected) << describe(request);
}

TEST(PlacementIndex, RejectsMalformedRequestsLikePlace) {
  PlacementIndex index;
  index.upsert(make_instance("a"));
  auto request = make_request(1);
  request.constraints = {{"memberOf", "attribute:zone =="}};
  expect_same_error(index, request);
  request.count = 0;  // validated before anything is placed
  expect_same_error(index, request);
  request.constraints = {{"distinctInstance", "attribute:zone == a"}};
  expect_same_error(index, request);
  request.constraints = {{"sameZone", ""}};
  expect_same_error(index, request);
  request.strategies = {{"binpack", "disk"}};  // reported before the constraint
  expect_same_error(index, request);
  request.constraints = {};
  request.strategies = {{"spread", "attribute:"}};
  expect_same_error(index, request);
  request.strategies = {{"random", ""}, {"spread", "zone"}};
  expect_same_error(index, request);
  request.strategies = std::vector<PlacementStrategy>(6, {"random", ""});
  expect_same_error(index, request);
}

}  // namespace
}  // namespace gantry::scheduler::testing
