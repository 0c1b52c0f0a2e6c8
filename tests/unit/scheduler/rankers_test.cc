#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "scheduler/binpack_ranker.h"
#include "scheduler/instance_builder.h"
#include "scheduler/random_ranker.h"
#include "scheduler/spread_ranker.h"
#include "scheduler/strategies.h"

namespace gantry::scheduler {
namespace {

using ::testing::ElementsAre;
using testing::make_instance;

// Draws counted, values scripted.
class ScriptedRandom final : public core::Random {
 public:
  explicit ScriptedRandom(std::vector<uint64_t> values) : values_(std::move(values)) {}
  uint64_t next() override { return values_.at(draws_++); }
  size_t draws() const { return draws_; }

 private:
  std::vector<uint64_t> values_;
  size_t draws_ = 0;
};

TEST(SchedulerRankers, KeepLowestKeepsEveryTie) {
  std::vector<int> score = {3, 1, 2, 1};
  EXPECT_THAT(keep_lowest(std::vector<size_t>{0, 1, 2, 3}, [&](size_t i) { return score[i]; }),
              ElementsAre(1, 3));
  EXPECT_THAT(keep_lowest(std::vector<size_t>{0, 2}, [&](size_t i) { return score[i]; }),
              ElementsAre(2));
}

TEST(SchedulerRankers, BinpackKeepsTheLeastRemaining) {
  std::vector<InstanceView> instances = {make_instance("a", 100, 900), make_instance("b", 300, 200),
                                         make_instance("c", 100, 200)};
  ScriptedRandom random({});
  EXPECT_THAT(make_binpack_ranker("cpu")->narrow(instances, {0, 1, 2}, "g", random),
              ElementsAre(0, 2));
  EXPECT_THAT(make_binpack_ranker("memory")->narrow(instances, {0, 1, 2}, "g", random),
              ElementsAre(1, 2));
  EXPECT_THAT(make_binpack_ranker("memory")->narrow(instances, {0}, "g", random), ElementsAre(0));
  EXPECT_EQ(random.draws(), 0u);
}

TEST(SchedulerRankers, SpreadCountsOnlyTheRequestGroup) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("c")};
  instances[0].task_groups = {"g", "g"};
  instances[1].task_groups = {"g", "other", "other"};
  instances[2].task_groups = {"g"};
  ScriptedRandom random({});
  EXPECT_THAT(make_spread_ranker("instanceId")->narrow(instances, {0, 1, 2}, "g", random),
              ElementsAre(1, 2));
  EXPECT_THAT(make_spread_ranker("host")->narrow(instances, {0, 1}, "other", random),
              ElementsAre(0));
}

TEST(SchedulerRankers, SpreadByAttributeCountsNonCandidatesToo) {
  std::vector<InstanceView> instances = {make_instance("a"), make_instance("b"),
                                         make_instance("c"), make_instance("d")};
  instances[0].attributes["zone"] = "x";
  instances[1].attributes["zone"] = "x";
  instances[2].attributes["zone"] = "y";
  instances[0].task_groups = {"g"};  // a is not a candidate, but x holds its task
  ScriptedRandom random({});
  auto ranker = make_spread_ranker("attribute:zone");
  EXPECT_THAT(ranker->narrow(instances, {1, 2, 3}, "g", random), ElementsAre(2, 3));
  instances[3].task_groups = {"g"};
  EXPECT_THAT(ranker->narrow(instances, {1, 2, 3}, "g", random), ElementsAre(2));
}

TEST(SchedulerRankers, RandomPicksOneByTheInjectedGenerator) {
  std::vector<InstanceView> instances(4);
  auto ranker = make_random_ranker();
  ScriptedRandom random({2, 7});
  EXPECT_THAT(ranker->narrow(instances, {0, 1, 3}, "g", random), ElementsAre(3));  // 2 % 3
  EXPECT_THAT(ranker->narrow(instances, {0, 1, 3}, "g", random), ElementsAre(1));  // 7 % 3
  EXPECT_THAT(ranker->narrow(instances, {2}, "g", random), ElementsAre(2));  // no draw
  EXPECT_EQ(random.draws(), 2u);
}

TEST(SchedulerRankers, UniformIndexRejectsTheBiasedTail) {
  // 2^64 - 1 is a multiple of 3, so only 2^64 - 1 itself is in the tail.
  ScriptedRandom random({UINT64_MAX, UINT64_MAX - 1, UINT64_MAX, 4});
  EXPECT_EQ(uniform_index(random, 3), 2u);
  EXPECT_EQ(random.draws(), 2u);
  EXPECT_EQ(uniform_index(random, 3), 1u);
  EXPECT_EQ(random.draws(), 4u);
}

TEST(SchedulerRankers, StrategiesBuildInOrderAndDefaultToRandom) {
  EXPECT_EQ(make_rankers({}).size(), 1u);
  EXPECT_EQ(make_rankers({{"spread", "attribute:ecs.availability-zone"}, {"binpack", "memory"}})
                .size(),
            2u);
  EXPECT_THROW(make_rankers({{"Binpack", "cpu"}}), core::ApiError);
  EXPECT_THROW(make_rankers({{"binpack", "CPU"}}), core::ApiError);
  EXPECT_THROW(make_rankers({{"spread", ""}}), core::ApiError);
}

}  // namespace
}  // namespace gantry::scheduler
