#pragma once
// The service scheduler's decision for a service whose deploymentController
// is EXTERNAL or CODE_DEPLOY: each task set is a deployment whose size its
// caller sets. A pure function of the snapshot, as reconcile_service (which
// hands such services to it) is.
//
// Rules:
// - Each task set keeps its computed desired count of live tasks
//   (computedDesiredCount: ceil(desiredCount x scale / 100)); a DRAINING one,
//   or every one of a DRAINING service, keeps none. Task sets scale on their
//   own: ECS's maximumPercent and minimumHealthyPercent bound a rolling
//   deployment, not the task sets an external controller moves traffic
//   between.
// - A task that stopped no longer counts and is replaced; an UNHEALTHY one
//   past healthCheckGracePeriodSeconds is stopped and replaced at once.
//   Scale-in takes tasks in ECS's order (zone, then instance, with the most).
// - A task whose task set is gone (deleted with force) is stopped.
// - A task set is STEADY_STATE when "the task runningCount is equal to the
//   computedDesiredCount", "the pendingCount is 0", none runs on a DRAINING
//   instance and all are healthy (botocore, TaskSet.stabilityStatus);
//   STABILIZING otherwise. A DRAINING task set with no task left goes away.
#include "controllers/service_plan.h"
#include "controllers/service_snapshot.h"
#include "core/clock.h"

namespace gantry::controllers {

ServicePlan reconcile_task_sets(const ServiceSnapshot& snapshot, core::SystemTime now,
                                const ReconcileOptions& options = {});

}  // namespace gantry::controllers
