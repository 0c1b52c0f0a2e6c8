#include <gtest/gtest.h>

#include "controllers/service_reconcile.h"
#include "service_fixture.h"

namespace gantry::controllers {
namespace {

using namespace service_fixture;
using model::TaskStatus;

TEST(ServiceReconcileDaemon, StartsOneTaskOnEveryActiveInstanceThatMeetsTheConstraints) {
  auto s = daemon();
  s.deployments = {deployment(kNew)};
  s.instances = {instance("i-1"), instance("i-2", "b"), instance("i-3", "a", true, false),
                 instance("i-4", "a", false)};
  auto plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.starts);
  EXPECT_EQ(plan.starts->count, 2);
  EXPECT_EQ(plan.starts->instance_ids, (std::vector<std::string>{"i-1", "i-2"}));
}

TEST(ServiceReconcileDaemon, AJoiningInstanceGetsOneAndADrainingOneLosesIt) {
  auto s = daemon();
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.instances = {instance("i-1"), instance("i-2", "a", false), instance("i-3")};
  s.tasks = {task("t1", kNew, TaskStatus::kRunning, "a", "i-1"),
             task("t2", kNew, TaskStatus::kRunning, "a", "i-2")};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(stopped_ids(plan), std::vector<std::string>{"t2"});
  // 2 instances at 100%: the draining one's task keeps its slot until it stops.
  EXPECT_FALSE(plan.starts);
  EXPECT_FALSE(has_fact<SteadyStateFact>(plan));

  s.tasks[1] = stopped(s.tasks[1], kNow, StopCode::kServiceSchedulerInitiated);
  plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.starts);
  EXPECT_EQ(plan.starts->instance_ids, std::vector<std::string>{"i-3"});

  s.tasks.push_back(task("t3", kNew, TaskStatus::kRunning, "a", "i-3"));
  plan = reconcile_service(s, kNow);
  EXPECT_FALSE(plan.starts);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_TRUE(has_fact<SteadyStateFact>(plan));
}

TEST(ServiceReconcileDaemon, ReplacesStopThenStartPerInstanceAt0And100) {
  auto s = daemon();
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  s.instances = {instance("i-1"), instance("i-2")};
  s.tasks = {task("o1", kOld, TaskStatus::kRunning, "a", "i-1"),
             task("o2", kOld, TaskStatus::kRunning, "a", "i-2")};
  auto plan = reconcile_service(s, kNow);
  EXPECT_FALSE(plan.starts);  // each instance is still taken
  EXPECT_EQ(stopped_ids(plan), (std::vector<std::string>{"o1", "o2"}));

  s.tasks[0] = stopped(s.tasks[0], kNow, StopCode::kServiceSchedulerInitiated);
  s.tasks[1] = stopping(s.tasks[1]);
  plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.starts);
  EXPECT_EQ(plan.starts->instance_ids, std::vector<std::string>{"i-1"});
  EXPECT_TRUE(plan.stops.empty());
}

TEST(ServiceReconcileDaemon, KeepsMinimumHealthyPercentWhileReplacing) {
  auto s = daemon();
  s.service.minimum_healthy_percent = 50;
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  for (int i = 1; i <= 4; ++i) {
    std::string id = "i-" + std::to_string(i);
    s.instances.push_back(instance(id));
    s.tasks.push_back(task("o" + std::to_string(i), kOld, TaskStatus::kRunning, "a", id));
  }
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(plan.stops.size(), 2u);
  EXPECT_FALSE(plan.starts);
}

TEST(ServiceReconcileDaemon, ReportsNoProgressAt100And100) {
  auto s = daemon();
  s.service.minimum_healthy_percent = 100;
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  s.instances = {instance("i-1")};
  s.tasks = {task("o1", kOld, TaskStatus::kRunning, "a", "i-1")};
  auto plan = reconcile_service(s, kNow);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_TRUE(has_fact<DeploymentBlockedFact>(plan));
}

TEST(ServiceReconcileDaemon, StopsADuplicateOnOneInstance) {
  auto s = daemon();
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.instances = {instance("i-1")};
  s.tasks = {task("t1", kNew, TaskStatus::kRunning, "a", "i-1"),
             task("t2", kNew, TaskStatus::kPending, "a", "i-1")};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(stopped_ids(plan), std::vector<std::string>{"t2"});
}

}  // namespace
}  // namespace gantry::controllers
