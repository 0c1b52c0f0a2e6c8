#include "controllers/service_breaker.h"

#include <gtest/gtest.h>

#include "controllers/service_events.h"
#include "controllers/service_reconcile.h"
#include "service_fixture.h"

namespace gantry::controllers {
namespace {

using namespace service_fixture;
using model::TaskStatus;

ServiceSnapshot with_breaker(int desired, bool rollback) {
  auto s = replica(desired);
  s.service.circuit_breaker = true;
  s.service.rollback = rollback;
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  s.tasks = {task("o1", kOld), task("o2", kOld)};
  return s;
}

void fail(ServiceSnapshot& s, const std::string& id, core::SystemTime at) {
  s.tasks.push_back(stopped(task(id, kNew, TaskStatus::kPending), at));
}

// The threshold of a service of 2: three tasks that failed to start.
void fail_three(ServiceSnapshot& s) {
  fail(s, "f1", kNow - 30s);
  fail(s, "f2", kNow - 20s);
  fail(s, "f3", kNow - 10s);
}

TEST(ServiceReconcileBreaker, ThresholdIsHalfTheDesiredCountBetween3And200) {
  EXPECT_EQ(breaker_threshold(0), 3);
  EXPECT_EQ(breaker_threshold(1), 3);
  EXPECT_EQ(breaker_threshold(7), 4);
  EXPECT_EQ(breaker_threshold(10), 5);
  EXPECT_EQ(breaker_threshold(1000), 200);
}

TEST(ServiceReconcileBreaker, CountsFailuresOnceAndResetsOnAHealthyTask) {
  auto s = with_breaker(2, false);
  fail(s, "f1", kNow - 3s);
  auto exited = task("f2", kNew);
  exited = stopped(exited, kNow - 2s, StopCode::kEssentialContainerExited);
  exited.exited_nonzero = true;
  s.tasks.push_back(exited);
  s.tasks.push_back(
      stopped(task("ok", kNew), kNow - 1s, StopCode::kUserInitiated));  // not a failure
  auto count = count_failures(s.deployments[0], s.tasks, kNow);
  EXPECT_EQ(count, (FailureCount{2, kNow - 2s}));

  s.deployments[0].failed_tasks = count.failed_tasks;
  s.deployments[0].last_failure_at = count.last_failure_at;
  EXPECT_EQ(count_failures(s.deployments[0], s.tasks, kNow), count);  // applied: no change

  auto healthy = task("h", kNew);
  healthy.started_at = kNow - 1s;
  s.tasks.push_back(healthy);
  EXPECT_EQ(count_failures(s.deployments[0], s.tasks, kNow).failed_tasks, 0);
}

TEST(ServiceReconcileBreaker, FailsThePrimaryAtTheThreshold) {
  auto s = with_breaker(2, false);
  fail_three(s);
  auto plan = reconcile_service(s, kNow);
  const auto* failed = change_of(plan, kNew);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->rollout_state, RolloutState::kFailed);
  EXPECT_EQ(failed->rollout_state_reason, "ECS deployment circuit breaker: task failed to start.");
  EXPECT_EQ(failed->failed_tasks, 3);
  EXPECT_FALSE(failed->status);  // no COMPLETED one to roll back to: it stays PRIMARY
  EXPECT_FALSE(plan.rollback);
  ASSERT_EQ(plan.facts.size(), 1u);
  EXPECT_EQ(fact_message("web", plan.facts[0]),
            "(service web) (deployment " + kNew + ") deployment failed: tasks failed to start.");
  EXPECT_EQ(plan.next_run, kNow);

  // FAILED: launches nothing, and keeps the old tasks.
  s.deployments[0].rollout_state = RolloutState::kFailed;
  s.deployments[0].failed_tasks = 3;
  s.deployments[0].last_failure_at = kNow - 10s;
  plan = reconcile_service(s, kNow + 1h);
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());
}

TEST(ServiceReconcileBreaker, RollsBackToTheLastCompletedDeployment) {
  auto s = with_breaker(2, true);
  fail_three(s);
  auto plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.rollback);
  EXPECT_EQ(plan.rollback->from_deployment, kNew);
  EXPECT_EQ(plan.rollback->to_deployment, kOld);
  EXPECT_EQ(plan.rollback->task_definition, s.deployments[1].task_definition);
  const auto* failed = change_of(plan, kNew);
  const auto* back = change_of(plan, kOld);
  ASSERT_TRUE(failed && back);
  EXPECT_EQ(failed->status, DeploymentStatus::kActive);
  EXPECT_EQ(back->status, DeploymentStatus::kPrimary);
  EXPECT_EQ(back->rollout_state, RolloutState::kInProgress);
  EXPECT_EQ(back->rollout_state_reason,
            "ECS deployment circuit breaker: rolling back to deploymentId " + kOld + ".");
  ASSERT_EQ(plan.facts.size(), 2u);
  EXPECT_EQ(fact_message("web", plan.facts[1]),
            "(service web) rolling back to deployment " + kOld + ".");

  // Applied: the old deployment runs its 2 tasks again and completes; the
  // failed one is retired.
  std::swap(s.deployments[0], s.deployments[1]);
  s.deployments[0].status = DeploymentStatus::kPrimary;
  s.deployments[0].rollout_state = RolloutState::kInProgress;
  s.deployments[0].last_failure_at = kNow;
  s.deployments[1].status = DeploymentStatus::kActive;
  s.deployments[1].rollout_state = RolloutState::kFailed;
  plan = reconcile_service(s, kNow + 1s);
  EXPECT_EQ(started(plan), 0);
  ASSERT_TRUE(change_of(plan, kOld) && change_of(plan, kNew));
  EXPECT_EQ(change_of(plan, kOld)->rollout_state, RolloutState::kCompleted);
  EXPECT_EQ(change_of(plan, kNew)->status, DeploymentStatus::kInactive);
}

TEST(ServiceReconcileBreaker, ThrottlesRepeatedFailuresWithoutABreaker) {
  auto s = replica(1);
  s.deployments = {deployment(kNew)};
  fail(s, "f1", kNow - 40s);
  fail(s, "f2", kNow - 30s);
  fail(s, "f3", kNow - 20s);
  fail(s, "f4", kNow - 10s);  // 4 in a row: 5 s × 2² = 20 s after the last
  auto plan = reconcile_service(s, kNow);
  EXPECT_EQ(started(plan), 0);
  EXPECT_EQ(plan.next_run, kNow + 10s);
  ASSERT_TRUE(has_fact<StartImpairedFact>(plan));
  EXPECT_EQ(fact_message("web", StartImpairedFact{}),
            "(service web) is unable to consistently start tasks successfully.");
  ASSERT_TRUE(change_of(plan, kNew));
  EXPECT_EQ(change_of(plan, kNew)->failed_tasks, 4);

  plan = reconcile_service(s, kNow + 10s);
  EXPECT_EQ(started(plan), 1);
  EXPECT_FALSE(has_fact<StartImpairedFact>(plan));
}

TEST(ServiceReconcileBreaker, RetriesTheFirstFailureAtOnceAndCapsTheDelay) {
  ReconcileOptions options;
  EXPECT_FALSE(throttled_until({1, kNow}, options));
  EXPECT_EQ(throttled_until({2, kNow}, options), kNow + 5s);
  EXPECT_EQ(throttled_until({3, kNow}, options), kNow + 10s);
  EXPECT_EQ(throttled_until({1000, kNow}, options), kNow + 27min);
}

}  // namespace
}  // namespace gantry::controllers
