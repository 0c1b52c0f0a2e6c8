#include "controllers/service_reconcile.h"

#include <gtest/gtest.h>

#include <set>

#include "controllers/service_events.h"
#include "service_fixture.h"

namespace gantry::controllers {
namespace {

using namespace service_fixture;
using model::TaskStatus;

ServiceSnapshot rolling(int desired, int min_percent, int max_percent, int old_tasks) {
  auto s = replica(desired, min_percent, max_percent);
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  for (int i = 0; i < old_tasks; ++i) s.tasks.push_back(task("old" + std::to_string(i), kOld));
  return s;
}

TEST(ServiceReconcileReplica, StartsTheDesiredCountFromZero) {
  auto s = replica(3);
  s.deployments = {deployment(kNew)};
  auto plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.starts);
  EXPECT_EQ(plan.starts->count, 3);
  EXPECT_EQ(plan.starts->deployment_id, kNew);
  EXPECT_EQ(plan.starts->task_definition, s.deployments[0].task_definition);
  EXPECT_TRUE(plan.starts->instance_ids.empty());
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_TRUE(has_fact<TasksStartedFact>(plan));
  EXPECT_FALSE(has_fact<SteadyStateFact>(plan));
}

TEST(ServiceReconcileReplica, StartsNothingTwiceWhileItsStartsArePending) {
  auto s = replica(3);
  s.deployments = {deployment(kNew)};
  s.tasks = {task("a", kNew, TaskStatus::kProvisioning), task("b", kNew, TaskStatus::kPending),
             task("c", kNew, TaskStatus::kActivating)};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_TRUE(plan.facts.empty());
}

TEST(ServiceReconcileReplica, CompletesWhenTheDesiredTasksAreHealthyAndRetiresTheOthers) {
  auto s = replica(2);
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  s.tasks = {task("a", kNew), task("b", kNew),
             stopped(task("x", kOld), kNow - 1min, StopCode::kServiceSchedulerInitiated)};
  auto plan = reconcile_service(s, kNow);
  const auto* done = change_of(plan, kNew);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->rollout_state, RolloutState::kCompleted);
  EXPECT_EQ(done->rollout_state_reason, "ECS deployment " + kNew + " completed.");
  const auto* old = change_of(plan, kOld);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, DeploymentStatus::kInactive);
  ASSERT_EQ(plan.facts.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<DeploymentCompletedFact>(plan.facts[0]));
  EXPECT_TRUE(std::holds_alternative<SteadyStateFact>(plan.facts[1]));
}

TEST(ServiceReconcileReplica, ACompletedDeploymentOnlyReportsTheSteadyState) {
  auto s = replica(1);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {task("a", kNew)};
  auto plan = reconcile_service(s, kNow);
  EXPECT_TRUE(plan.deployment_changes.empty());
  ASSERT_EQ(plan.facts.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<SteadyStateFact>(plan.facts[0]));
  EXPECT_FALSE(plan.next_run);
}

TEST(ServiceReconcileReplica, ReplacesATaskThatStopped) {
  auto s = replica(2);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {task("a", kNew), stopped(task("b", kNew), kNow - 1s, StopCode::kUserInitiated)};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 1);
  EXPECT_FALSE(has_fact<SteadyStateFact>(plan));
}

TEST(ServiceReconcileReplica, ScalesOut) {
  auto s = replica(5);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {task("a", kNew), task("b", kNew), task("c", kNew)};
  EXPECT_EQ(started(reconcile_service(s, kNow)), 2);
}

TEST(ServiceReconcileReplica, ScalesInFromTheZoneWithTheMostThenTheInstanceWithTheMost) {
  auto s = replica(3);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {task("a1", kNew, TaskStatus::kRunning, "a", "i-1"),
             task("a2", kNew, TaskStatus::kRunning, "a", "i-1"),
             task("a3", kNew, TaskStatus::kRunning, "a", "i-2"),
             task("b1", kNew, TaskStatus::kRunning, "b", "i-3"),
             task("b2", kNew, TaskStatus::kRunning, "b", "i-3"),
             task("c1", kNew, TaskStatus::kRunning, "c", "i-4")};
  auto plan = reconcile_service(s, kNow);
  ASSERT_EQ(plan.stops.size(), 3u);
  // One of i-1's first (zone a has 3, i-1 two of them), then one of i-3's
  // (zones a and b tie at 2; i-3 has 2), then zone a again: one task a zone left.
  std::set<std::string> kept_zones;
  auto ids = stopped_ids(plan);
  for (const auto& t : s.tasks) {
    if (std::find(ids.begin(), ids.end(), t.id) == ids.end()) kept_zones.insert(t.zone);
  }
  EXPECT_EQ(kept_zones, (std::set<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(plan.stops[0].task_id == "a1" || plan.stops[0].task_id == "a2");
  EXPECT_TRUE(plan.stops[1].task_id == "b1" || plan.stops[1].task_id == "b2");
  EXPECT_EQ(plan.stops[0].reason, "Scaling activity initiated by (deployment " + kNew + ")");
  EXPECT_TRUE(has_fact<TasksStoppedFact>(plan));
}

TEST(ServiceReconcileReplica, ScalesInOldDeploymentsFirst) {
  auto s = replica(2);
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  s.tasks = {task("n1", kNew, TaskStatus::kRunning, "a"),
             task("n2", kNew, TaskStatus::kRunning, "a"),
             task("o1", kOld, TaskStatus::kRunning, "b")};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(stopped_ids(plan), std::vector<std::string>{"o1"});
  EXPECT_EQ(plan.stops[0].reason, "Scaling activity initiated by (deployment " + kOld + ")");
}

TEST(ServiceReconcileReplica, RollsAt100And200StartingAllBeforeStoppingAny) {
  auto s = rolling(4, 100, 200, 4);
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 4);
  EXPECT_TRUE(plan.stops.empty());

  for (int i = 0; i < 4; ++i)
    s.tasks.push_back(task("new" + std::to_string(i), kNew, TaskStatus::kPending));
  plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());

  s.tasks[4].last_status = s.tasks[5].last_status = TaskStatus::kRunning;
  s.tasks[4].started_at = s.tasks[5].started_at = kNow;
  plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_EQ(plan.stops.size(), 2u);  // 6 healthy, the floor is 4
}

TEST(ServiceReconcileReplica, RollsAt50And100StoppingHalfFirst) {
  auto s = rolling(4, 50, 100, 4);
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);  // 4 tasks take all 4 slots
  ASSERT_EQ(plan.stops.size(), 2u);

  s.tasks[0] = stopping(s.tasks[0]);
  s.tasks[1] = stopping(s.tasks[1]);
  plan = reconcile_service(s, kNow);  // still RUNNING: still in their slots
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_TRUE(plan.facts.empty());

  s.tasks[0].last_status = s.tasks[1].last_status = TaskStatus::kStopped;
  plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 2);
  EXPECT_TRUE(plan.stops.empty());  // 2 healthy old ones: the floor
}

TEST(ServiceReconcileReplica, RollsAt0And100StoppingAllFirst) {
  auto s = rolling(4, 0, 100, 4);
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_EQ(plan.stops.size(), 4u);
}

TEST(ServiceReconcileReplica, ReportsNoProgressWhenTheBoundsAllowNone) {
  auto s = rolling(1, 100, 100, 1);
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());
  ASSERT_EQ(plan.facts.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<DeploymentBlockedFact>(plan.facts[0]));
  EXPECT_EQ(fact_message("web", plan.facts[0]),
            "(service web) was unable to stop or start tasks during a deployment because of the "
            "service deployment configuration. Update the minimumHealthyPercent or maximumPercent "
            "value and try again.");
}

TEST(ServiceReconcileReplica, ReplacesAnUnhealthyTaskStartBeforeStop) {
  auto s = replica(2);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {with_health(task("a", kNew), HealthStatus::kHealthy),
             with_health(task("b", kNew), HealthStatus::kUnhealthy)};
  auto plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.starts);
  EXPECT_EQ(plan.starts->count, 1);
  EXPECT_EQ(plan.starts->replacing_unhealthy, 1);
  ASSERT_EQ(stopped_ids(plan), std::vector<std::string>{"b"});
  EXPECT_EQ(plan.stops[0].reason, "Task failed container health checks");
  EXPECT_TRUE(plan.stops[0].failed_health_checks);
  ASSERT_EQ(plan.facts.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<TasksStartedFact>(plan.facts[0]));
  EXPECT_EQ(fact_message("web", plan.facts[1]),
            "(service web) (task b) failed container health checks.");
  EXPECT_EQ(fact_message("web", plan.facts[2]),
            "(service web) has stopped 1 running tasks: (task b).");
}

TEST(ServiceReconcileReplica, LeavesAnUnhealthyTaskAloneInsideTheGracePeriod) {
  auto s = replica(1);
  s.service.health_check_grace_period = std::chrono::seconds(60);
  s.deployments = {deployment(kNew)};
  auto t = with_health(task("a", kNew), HealthStatus::kUnhealthy);
  t.started_at = kNow - 10s;
  s.tasks = {t};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_EQ(plan.next_run, kNow + 50s);

  plan = reconcile_service(s, kNow + 50s);
  EXPECT_EQ(started(plan), 1);
  EXPECT_EQ(stopped_ids(plan), std::vector<std::string>{"a"});
}

TEST(ServiceReconcileReplica, StopsUnhealthyTasksOneAtATimeWithoutRoom) {
  auto s = replica(2, 100, 100);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {with_health(task("a", kNew), HealthStatus::kUnhealthy),
             with_health(task("b", kNew), HealthStatus::kUnhealthy)};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  ASSERT_EQ(plan.stops.size(), 1u);

  s.tasks[0] = stopping(s.tasks[0], "Task failed container health checks");
  plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());

  s.tasks[0].last_status = TaskStatus::kStopped;
  plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 1);
}

TEST(ServiceReconcileReplica, ReplacesTasksOnADrainingInstanceWithinTheBounds) {
  auto s = replica(2);
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.instances = {instance("i-1", "a", false), instance("i-2", "b")};
  s.tasks = {task("a", kNew, TaskStatus::kRunning, "a", "i-1"),
             task("b", kNew, TaskStatus::kRunning, "b", "i-2")};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 1);
  EXPECT_TRUE(plan.stops.empty());  // the floor is 2 healthy

  s.tasks.push_back(task("c", kNew, TaskStatus::kRunning, "b", "i-2"));
  plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_EQ(stopped_ids(plan), std::vector<std::string>{"a"});
}

TEST(ServiceReconcileReplica, ADrainingServiceStopsEverythingThenIsDrained) {
  auto s = replica(2);
  s.service.draining = true;
  s.deployments = {deployment(kNew, DeploymentStatus::kPrimary, RolloutState::kCompleted)};
  s.tasks = {task("a", kNew), task("b", kNew, TaskStatus::kPending)};
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(stopped_ids(plan), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(plan.drained);
  EXPECT_FALSE(has_fact<SteadyStateFact>(plan));

  for (auto& t : s.tasks) t = stopped(t, kNow, StopCode::kServiceSchedulerInitiated);
  plan = reconcile_service(s, kNow);
  EXPECT_TRUE(plan.drained);
  EXPECT_TRUE(plan.stops.empty());
}

TEST(ServiceReconcileReplica, FillsECSDefaultsForTheStrategy) {
  EXPECT_EQ(default_percents(SchedulingStrategy::kReplica).minimum_healthy_percent, 100);
  EXPECT_EQ(default_percents(SchedulingStrategy::kReplica).maximum_percent, 200);
  EXPECT_EQ(default_percents(SchedulingStrategy::kDaemon).minimum_healthy_percent, 0);
  EXPECT_EQ(default_percents(SchedulingStrategy::kDaemon).maximum_percent, 100);
  auto s = rolling(2, 100, 200, 2);
  s.service.minimum_healthy_percent.reset();
  s.service.maximum_percent.reset();
  EXPECT_EQ(started(reconcile_service(s, kNow)), 2);  // 200%: room for all
}

}  // namespace
}  // namespace gantry::controllers
