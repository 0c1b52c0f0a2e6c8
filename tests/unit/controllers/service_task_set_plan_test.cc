// reconcile_task_sets (controllers/service_task_set_plan.h) on hand-built
// snapshots: each task set kept at its computed count, rescaled, drained
// and removed, its stability, and the tasks of no task set stopped.
#include "controllers/service_task_set_plan.h"

#include <gtest/gtest.h>

#include "controllers/service_events.h"
#include "controllers/service_reconcile.h"
#include "service_fixture.h"

namespace gantry::controllers {
namespace {

using namespace service_fixture;
using model::TaskStatus;

ServiceSnapshot external(std::vector<ServiceTaskSet> task_sets) {
  auto s = replica(4);
  s.service.external = true;
  s.task_sets = std::move(task_sets);
  return s;
}

ServiceTaskSet task_set(std::string id, int computed, TaskSetStatus status = TaskSetStatus::kActive,
                        bool steady = false) {
  return {std::move(id), status, "arn:aws:ecs:us-east-1:1:task-definition/app:1", computed, steady};
}

const TaskStarts* starts_of(const ServicePlan& plan, const std::string& id) {
  for (const auto& starts : plan.task_set_starts) {
    if (starts.deployment_id == id) return &starts;
  }
  return nullptr;
}

const TaskSetChange* task_set_change(const ServicePlan& plan, const std::string& id) {
  for (const auto& change : plan.task_set_changes) {
    if (change.id == id) return &change;
  }
  return nullptr;
}

TEST(ServiceTaskSetPlan, ReconcileServiceHandsAnExternalServiceToItsTaskSets) {
  auto s = external({task_set(kOld, 3), task_set(kNew, 0)});
  s.deployments = {deployment(kNew)};  // ignored: task sets say what runs
  auto plan = reconcile_service(s, kNow);
  EXPECT_FALSE(plan.starts);
  ASSERT_EQ(plan.task_set_starts.size(), 1u);
  EXPECT_EQ(plan.task_set_starts[0].deployment_id, kOld);
  EXPECT_EQ(plan.task_set_starts[0].count, 3);
  EXPECT_EQ(plan.task_set_starts[0].task_definition, s.task_sets[0].task_definition);
}

TEST(ServiceTaskSetPlan, EachTaskSetGrowsToItsComputedCountAtOnce) {
  // No maximumPercent between task sets: blue keeps 4 while green starts 4.
  auto s = external({task_set(kOld, 4, TaskSetStatus::kPrimary, true), task_set(kNew, 4)});
  for (int i = 0; i < 4; ++i) s.tasks.push_back(task("b" + std::to_string(i), kOld));
  auto plan = reconcile_task_sets(s, kNow);
  EXPECT_FALSE(starts_of(plan, kOld));
  ASSERT_TRUE(starts_of(plan, kNew));
  EXPECT_EQ(starts_of(plan, kNew)->count, 4);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_FALSE(task_set_change(plan, kOld));  // still steady: nothing to store
}

TEST(ServiceTaskSetPlan, ATaskSetScaledDownStopsItsSurplus) {
  auto s = external({task_set(kOld, 1, TaskSetStatus::kActive, true)});
  s.tasks = {task("a", kOld, TaskStatus::kRunning, "us-east-1a"),
             task("b", kOld, TaskStatus::kRunning, "us-east-1a"),
             task("c", kOld, TaskStatus::kRunning, "us-east-1b")};
  auto plan = reconcile_task_sets(s, kNow);
  EXPECT_EQ(plan.stops.size(), 2u);
  EXPECT_TRUE(plan.task_set_starts.empty());
  const auto* change = task_set_change(plan, kOld);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->steady, false);
  ASSERT_TRUE(has_fact<TasksStoppedFact>(plan));
  auto message = fact_message("web", plan.facts.back());
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->starts_with("(service web, taskSet " + kOld + ") has stopped 2 running"));
}

TEST(ServiceTaskSetPlan, ATaskSetAtItsCountAllHealthyIsSteady) {
  auto s = external({task_set(kNew, 2)});
  s.tasks = {task("a", kNew), task("b", kNew)};
  auto plan = reconcile_task_sets(s, kNow);
  const auto* change = task_set_change(plan, kNew);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->steady, true);
  ASSERT_TRUE(has_fact<TaskSetSteadyStateFact>(plan));
  EXPECT_EQ(fact_message("web", plan.facts.back()),
            "(service web, taskSet " + kNew + ") has reached a steady state.");
}

TEST(ServiceTaskSetPlan, PendingTasksKeepATaskSetStabilizing) {
  auto s = external({task_set(kNew, 2)});
  s.tasks = {task("a", kNew), task("b", kNew, TaskStatus::kPending)};
  auto plan = reconcile_task_sets(s, kNow);
  EXPECT_FALSE(task_set_change(plan, kNew));
  EXPECT_TRUE(plan.task_set_starts.empty());
  EXPECT_TRUE(plan.facts.empty());
}

TEST(ServiceTaskSetPlan, AStoppedTaskIsReplacedAndAnUnhealthyOneStoppedAndReplaced) {
  auto s = external({task_set(kNew, 3)});
  s.tasks = {task("a", kNew), stopped(task("b", kNew), kNow - 1min),
             with_health(task("c", kNew), HealthStatus::kUnhealthy)};
  auto plan = reconcile_task_sets(s, kNow);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_EQ(plan.stops[0].task_id, "c");
  EXPECT_EQ(plan.stops[0].reason, kFailedHealthChecksReason);
  ASSERT_TRUE(starts_of(plan, kNew));
  EXPECT_EQ(starts_of(plan, kNew)->count, 2);
  EXPECT_EQ(starts_of(plan, kNew)->replacing_unhealthy, 1);
}

TEST(ServiceTaskSetPlan, ADrainingTaskSetStopsEverythingThenGoesAway) {
  auto s = external({task_set(kOld, 0, TaskSetStatus::kDraining)});
  s.tasks = {task("a", kOld), stopping(task("b", kOld))};
  auto plan = reconcile_task_sets(s, kNow);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_EQ(plan.stops[0].task_id, "a");
  EXPECT_FALSE(task_set_change(plan, kOld));  // not yet: b is still on its way out

  s.tasks = {stopped(task("a", kOld), kNow, StopCode::kServiceSchedulerInitiated),
             stopped(task("b", kOld), kNow, StopCode::kServiceSchedulerInitiated)};
  plan = reconcile_task_sets(s, kNow);
  const auto* change = task_set_change(plan, kOld);
  ASSERT_TRUE(change);
  EXPECT_TRUE(change->remove);
  EXPECT_TRUE(plan.stops.empty());
}

TEST(ServiceTaskSetPlan, TasksOfNoTaskSetAreStopped) {
  auto s = external({task_set(kNew, 1)});
  s.tasks = {task("a", kNew), task("gone", kOld)};
  auto plan = reconcile_task_sets(s, kNow);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_EQ(plan.stops[0].task_id, "gone");
}

TEST(ServiceTaskSetPlan, ADeletedServiceScalesEveryTaskSetToZeroAndIsDrained) {
  auto s = external({task_set(kNew, 2)});
  s.service.draining = true;
  s.tasks = {task("a", kNew)};
  auto plan = reconcile_task_sets(s, kNow);
  ASSERT_EQ(plan.stops.size(), 1u);
  EXPECT_FALSE(plan.drained);
  s.tasks = {stopped(task("a", kNew), kNow, StopCode::kServiceSchedulerInitiated)};
  plan = reconcile_task_sets(s, kNow);
  EXPECT_TRUE(plan.drained);
  EXPECT_TRUE(plan.task_set_starts.empty());
}

}  // namespace
}  // namespace gantry::controllers
