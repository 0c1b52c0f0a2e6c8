// The eligibility, attribute and constraint stages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "scheduler/attribute_fit.h"
#include "scheduler/constraint_filter.h"
#include "scheduler/eligibility.h"
#include "scheduler/instance_builder.h"

namespace gantry::scheduler {
namespace {

using testing::make_instance;
using Constraints = std::vector<PlacementConstraint>;

TEST(SchedulerEligibility, OnlyActiveInstancesOfferingTheLaunchType) {
  auto instance = make_instance("a");
  EXPECT_TRUE(is_eligible(instance, "EC2"));
  EXPECT_TRUE(is_eligible(instance, ""));
  EXPECT_FALSE(is_eligible(instance, "FARGATE"));
  EXPECT_FALSE(is_eligible(instance, "EXTERNAL"));
  instance.offers_fargate = true;
  EXPECT_TRUE(is_eligible(instance, "FARGATE"));
  instance.status = "DRAINING";
  EXPECT_FALSE(is_eligible(instance, "EC2"));
  EXPECT_FALSE(is_eligible(instance, "FARGATE"));
}

TEST(SchedulerAttributeFit, EveryRequiredAttributeMustBePresent) {
  auto instance = make_instance("a");
  instance.attributes = {{"ecs.capability.secrets.asm.environment-variables", ""},
                         {"com.amazonaws.ecs.capability.logging-driver.awslogs", ""}};
  EXPECT_EQ(check_required_attributes(instance, {}), std::nullopt);
  EXPECT_EQ(check_required_attributes(
                instance, {"com.amazonaws.ecs.capability.logging-driver.awslogs",
                           "ecs.capability.secrets.asm.environment-variables"}),
            std::nullopt);
  EXPECT_EQ(check_required_attributes(instance, {"com.amazonaws.ecs.capability.logging-driver.awslogs",
                                                 "ecs.capability.efsAuth"}),
            "ATTRIBUTE");
}

TEST(SchedulerConstraintFilter, DistinctInstanceLooksAtTheRequestGroupOnly) {
  ConstraintFilter filter(Constraints{{"distinctInstance", ""}});
  auto instance = make_instance("a");
  instance.task_groups = {"family:other"};
  EXPECT_EQ(filter.check(instance, "family:web"), std::nullopt);
  instance.task_groups.insert("family:web");
  EXPECT_EQ(filter.check(instance, "family:web"), "ATTRIBUTE");
}

TEST(SchedulerConstraintFilter, EveryMemberOfMustMatch) {
  ConstraintFilter filter(Constraints{{"memberOf", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"},
                           {"memberOf", "agentConnected == true"}});
  auto instance = make_instance("a");
  instance.attributes["ecs.availability-zone"] = "us-east-1b";
  EXPECT_EQ(filter.check(instance, "family:web"), std::nullopt);
  instance.agent_connected = false;
  EXPECT_EQ(filter.check(instance, "family:web"), "ATTRIBUTE");
  instance.agent_connected = true;
  instance.attributes["ecs.availability-zone"] = "us-east-1c";
  EXPECT_EQ(filter.check(instance, "family:web"), "ATTRIBUTE");
}

TEST(SchedulerConstraintFilter, NoConstraintsAcceptEverything) {
  ConstraintFilter filter(Constraints{});
  auto instance = make_instance("a");
  instance.task_groups = {"family:web"};
  EXPECT_EQ(filter.check(instance, "family:web"), std::nullopt);
}

TEST(SchedulerConstraintFilter, MalformedConstraintsThrow) {
  EXPECT_THROW(ConstraintFilter(Constraints{{"memberOf", "attribute:a ~~ b"}}), core::ApiError);
  EXPECT_THROW(ConstraintFilter(Constraints{{"distinctinstance", ""}}), core::ApiError);  // case matters
}

}  // namespace
}  // namespace gantry::scheduler
