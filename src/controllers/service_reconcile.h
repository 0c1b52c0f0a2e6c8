#pragma once
// The service scheduler's decision (after Nomad's scheduler/reconcile.go and
// the Kubernetes Deployment controller): a pure, level-triggered function of
// one service's settings, deployments, tasks and the cluster's instances,
// returning what to start, what to stop, how the deployments change and the
// facts for its events. No clock, no I/O, no memory between calls: all it
// knows is in the snapshot, and what it must remember (failedTasks) it
// returns as deployment changes.
//
// The caller's contract, which is what keeps a slot from being started twice:
// apply a plan, and do not reconcile the service again until what it decided
// is visible in the state: started tasks as tasks (PROVISIONING or later,
// startedBy the deployment), stopped ones with desiredStatus STOPPED, and the
// deployment changes. A start that could not be placed simply is not there
// next time and is asked for again.
//
// Rules, ECS's (sources at each):
// - REPLICA keeps desiredCount tasks of the PRIMARY deployment; DAEMON one on
//   every ACTIVE instance that meets the placement constraints, none on
//   DRAINING ones. A DRAINING (deleted) service scales to 0.
// - maximumPercent bounds the tasks PENDING or RUNNING across deployments,
//   minimumHealthyPercent the healthy ones the plan's own stops may leave;
//   new tasks start up to the first, old ones stop down to the second. Where
//   the two leave nothing to do, DeploymentBlockedFact.
// - A task that stopped no longer counts and is replaced. An UNHEALTHY task
//   past healthCheckGracePeriodSeconds is replaced: start-before-stop where
//   maximumPercent leaves room, else stopped one at a time.
// - Scale-in takes old deployments' tasks first, then spreads (zone, then
//   instance, with the most tasks).
// - The circuit breaker fails the PRIMARY at its threshold and, with
//   rollback, makes the last COMPLETED deployment the PRIMARY again. Without
//   it, failing launches are throttled (StartImpairedFact, next_run).
// - The PRIMARY is COMPLETED when it has its desired tasks all healthy and no
//   other task is left; the other deployments then become INACTIVE.
#include "controllers/service_plan.h"
#include "controllers/service_snapshot.h"
#include "core/clock.h"

namespace gantry::controllers {

ServicePlan reconcile_service(const ServiceSnapshot& snapshot, core::SystemTime now,
                              const ReconcileOptions& options = {});

}  // namespace gantry::controllers
