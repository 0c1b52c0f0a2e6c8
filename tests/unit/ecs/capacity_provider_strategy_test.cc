#include "ecs/capacity_provider_strategy.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"

namespace gantry::ecs {
namespace {

using Shares = std::vector<std::pair<std::string, int64_t>>;

Shares shares_of(const std::vector<ProviderShare>& shares) {
  Shares out;
  for (const auto& s : shares) out.emplace_back(s.capacity_provider, s.count);
  return out;
}

TEST(CapacityProviderSplitTest, TheBaseFirstThenTheRestByWeight) {
  // The Developer Guide's example: base 2 weight 1 and weight 3, 10 tasks.
  std::vector<CapacityProviderItem> strategy = {{"FARGATE", 2, 1}, {"FARGATE_SPOT", 0, 3}};
  EXPECT_EQ(shares_of(split_tasks(strategy, 10)),
            (Shares{{"FARGATE", 4}, {"FARGATE_SPOT", 6}}));
  EXPECT_EQ(shares_of(split_tasks(strategy, 2)), (Shares{{"FARGATE", 2}}));
  EXPECT_EQ(shares_of(split_tasks(strategy, 1)), (Shares{{"FARGATE", 1}}));
}

TEST(CapacityProviderSplitTest, EqualWeightsAlternateInTheStrategysOrder) {
  std::vector<CapacityProviderItem> strategy = {{"a", 0, 1}, {"b", 0, 1}};
  EXPECT_EQ(shares_of(split_tasks(strategy, 3)), (Shares{{"a", 2}, {"b", 1}}));
  EXPECT_EQ(shares_of(split_tasks(strategy, 1, {{"a", 2}, {"b", 1}})), (Shares{{"b", 1}}));
}

TEST(CapacityProviderSplitTest, TasksAlreadyRunningCountTowardsTheBaseAndTheWeights) {
  std::vector<CapacityProviderItem> strategy = {{"FARGATE", 2, 1}, {"FARGATE_SPOT", 0, 3}};
  // A service of 10 grown from 4 (2 base + 1 + 1 by weight): the next 6
  // bring it to 4 and 6 as if all 10 were placed at once.
  EXPECT_EQ(shares_of(split_tasks(strategy, 6, {{"FARGATE", 3}, {"FARGATE_SPOT", 1}})),
            (Shares{{"FARGATE", 1}, {"FARGATE_SPOT", 5}}));
}

TEST(CapacityProviderSplitTest, AWeightOfZeroTakesOnlyItsBaseAndALoneProviderTakesAll) {
  EXPECT_EQ(shares_of(split_tasks({{"a", 1, 0}, {"b", 0, 1}}, 4)), (Shares{{"a", 1}, {"b", 3}}));
  EXPECT_EQ(shares_of(split_tasks({{"a", 0, 0}}, 3)), (Shares{{"a", 3}}));
}

TEST(CapacityProviderSplitTest, EverySplitPlacesEveryTaskAndKeepsTheWeightsWithinOne) {
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<CapacityProviderItem> strategy;
    int providers = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < providers; ++i) {
      strategy.push_back({"p" + std::to_string(i), i == 0 ? int64_t(random() % 4) : 0,
                          1 + int64_t(random() % 5)});
    }
    int64_t count = 1 + random() % 40;
    int64_t placed = 0;
    std::map<std::string, int64_t> got;
    for (const auto& share : split_tasks(strategy, count)) {
      placed += share.count;
      got[share.capacity_provider] = share.count;
    }
    ASSERT_EQ(placed, count);
    // Beyond the base, no provider is more than one task ahead of its share.
    int64_t base = std::min(count, strategy[0].base);
    int64_t weights = 0;
    for (const auto& e : strategy) weights += e.weight;
    for (const auto& e : strategy) {
      int64_t beyond = got[e.capacity_provider] - (e.capacity_provider == "p0" ? base : 0);
      double share = double(count - base) * double(e.weight) / double(weights);
      EXPECT_LE(double(beyond), share + 1.0) << "round " << round;
      EXPECT_GE(double(beyond), share - 1.0) << "round " << round;
    }
  }
}

TEST(CapacityProviderStrategyShapeTest, RefusesWhatEcsRefuses) {
  auto refused = [](std::vector<CapacityProviderItem> strategy) {
    try {
      check_strategy_shape(strategy);
    } catch (const core::ApiError& e) {
      return e.type() == "InvalidParameterException";
    }
    return false;
  };
  EXPECT_TRUE(refused({{"FARGATE", 0, 1}, {"my-asg", 0, 1}}));
  EXPECT_TRUE(refused({{"FARGATE", 1, 1}, {"FARGATE_SPOT", 1, 1}}));
  EXPECT_TRUE(refused({{"FARGATE", 0, 0}, {"FARGATE_SPOT", 0, 0}}));
  EXPECT_TRUE(refused(std::vector<CapacityProviderItem>(7, {"a", 0, 1})));
  EXPECT_FALSE(refused({{"FARGATE", 2, 1}, {"FARGATE_SPOT", 0, 3}}));
  EXPECT_FALSE(refused({{"FARGATE", 0, 0}}));
}

}  // namespace
}  // namespace gantry::ecs
