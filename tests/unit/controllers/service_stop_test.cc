// StopServiceDeployment's request as the reconcile carries it out: a
// ROLLBACK returns to the last COMPLETED deployment as the circuit breaker's
// rollback does, whatever the service's rollback option; an ABORT stops the
// deployment where it is.
#include <gtest/gtest.h>

#include "controllers/service_events.h"
#include "controllers/service_reconcile.h"
#include "ecs/service_deployments.h"
#include "service_fixture.h"

namespace gantry::controllers {
namespace {

using namespace service_fixture;
using model::TaskStatus;

// A rolling deployment of kNew whose tasks never run, beside kOld's.
ServiceSnapshot rolling(std::optional<StopType> stop) {
  auto s = replica(2);
  s.deployments = {deployment(kNew),
                   deployment(kOld, DeploymentStatus::kActive, RolloutState::kCompleted)};
  s.deployments[0].stop_requested = stop;
  s.tasks = {task("o1", kOld), task("o2", kOld), task("n1", kNew, TaskStatus::kPending),
             task("n2", kNew, TaskStatus::kPending)};
  return s;
}

TEST(ServiceReconcileStop, ARollbackReturnsToTheLastCompletedDeployment) {
  auto s = rolling(StopType::kRollback);
  ASSERT_FALSE(s.service.rollback);  // not configured: a request rolls back all the same
  ServicePlan plan = reconcile_service(s, kNow);
  const DeploymentChange* stopped = change_of(plan, kNew);
  ASSERT_NE(stopped, nullptr);
  EXPECT_TRUE(stopped->stop_carried_out);
  EXPECT_EQ(stopped->status, DeploymentStatus::kActive);
  EXPECT_EQ(stopped->rollout_state, RolloutState::kFailed);
  EXPECT_EQ(stopped->rollout_state_reason, std::string(ecs::kStoppedByRequestReason));
  const DeploymentChange* back = change_of(plan, kOld);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->status, DeploymentStatus::kPrimary);
  EXPECT_EQ(back->rollout_state, RolloutState::kInProgress);
  EXPECT_EQ(back->rollout_state_reason, requested_rollback_reason(kOld));
  ASSERT_TRUE(plan.rollback);
  EXPECT_EQ(plan.rollback->from_deployment, kNew);
  EXPECT_EQ(plan.rollback->to_deployment, kOld);
  EXPECT_EQ(plan.rollback->task_definition, s.deployments[1].task_definition);
  EXPECT_EQ(plan.rollback->reason, std::string(ecs::kRollbackRequestedReason));
  EXPECT_TRUE(has_fact<RollingBackFact>(plan));
  EXPECT_FALSE(has_fact<DeploymentFailedFact>(plan));  // not the breaker's failure
  // Nothing starts or stops until the deployments have changed.
  EXPECT_EQ(started(plan), 0);
  EXPECT_TRUE(plan.stops.empty());
  EXPECT_EQ(plan.next_run, kNow);
}

TEST(ServiceReconcileStop, AnAbortStopsTheDeploymentWhereItIs) {
  auto s = rolling(StopType::kAbort);
  ServicePlan plan = reconcile_service(s, kNow);
  const DeploymentChange* aborted = change_of(plan, kNew);
  ASSERT_NE(aborted, nullptr);
  EXPECT_TRUE(aborted->stop_carried_out);
  EXPECT_FALSE(aborted->status);  // still the PRIMARY
  EXPECT_EQ(aborted->rollout_state, RolloutState::kFailed);
  EXPECT_EQ(change_of(plan, kOld), nullptr);
  EXPECT_FALSE(plan.rollback);
  EXPECT_TRUE(has_fact<DeploymentStoppedFact>(plan));

  // Then, FAILED, it launches nothing more.
  s.deployments[0].stop_requested.reset();
  s.deployments[0].rollout_state = RolloutState::kFailed;
  s.tasks.push_back(stopped(task("n3", kNew, TaskStatus::kPending), kNow - 1s));
  EXPECT_EQ(started(reconcile_service(s, kNow)), 0);
}

TEST(ServiceReconcileStop, ARollbackWithNothingToReturnToFails) {
  auto s = rolling(StopType::kRollback);
  s.deployments.pop_back();  // the first deployment of the service
  ServicePlan plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.rollback);
  EXPECT_EQ(plan.rollback->from_deployment, kNew);
  EXPECT_TRUE(plan.rollback->to_deployment.empty());
  EXPECT_EQ(change_of(plan, kNew)->rollout_state, RolloutState::kFailed);
  EXPECT_FALSE(change_of(plan, kNew)->status);
}

TEST(ServiceReconcileStop, ADeploymentThatFinishedFirstOnlyForgetsTheRequest) {
  auto s = rolling(StopType::kRollback);
  s.deployments[0].rollout_state = RolloutState::kCompleted;
  ServicePlan plan = reconcile_service(s, kNow);
  const DeploymentChange* change = change_of(plan, kNew);
  ASSERT_NE(change, nullptr);
  EXPECT_TRUE(change->stop_carried_out);
  EXPECT_FALSE(change->rollout_state);
  EXPECT_FALSE(change->status);
  EXPECT_FALSE(plan.rollback);
}

TEST(ServiceReconcileStop, TheBreakersRollbackSaysWhy) {
  auto s = rolling(std::nullopt);
  s.service.circuit_breaker = true;
  s.service.rollback = true;
  for (const char* id : {"f1", "f2", "f3"}) {
    s.tasks.push_back(stopped(task(id, kNew, TaskStatus::kPending), kNow - 10s));
  }
  ServicePlan plan = reconcile_service(s, kNow);
  ASSERT_TRUE(plan.rollback);
  EXPECT_EQ(plan.rollback->reason, std::string(kBreakerFailedReason));
  EXPECT_FALSE(change_of(plan, kNew)->stop_carried_out);
}

}  // namespace
}  // namespace gantry::controllers
