#pragma once
// ECS's own texts for the service scheduler: service event messages, task
// stoppedReasons and deployment rolloutStateReasons, and the rule that keeps
// a service's events from repeating. Each text is as ECS writes it, from the
// Amazon ECS Developer Guide's "Amazon ECS service event messages" page and
// from events and task documents ECS wrote (quoted where the guide only names
// the message by its heading, which spells the prefix "service (name)" where
// ECS writes "(service name)").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controllers/service_plan.h"
#include "core/clock.h"

namespace gantry::controllers {

// stoppedReason of a task the scheduler stops because it failed its
// container health checks (stopCode ServiceSchedulerInitiated).
inline constexpr std::string_view kFailedHealthChecksReason = "Task failed container health checks";

// stoppedReason of a task stopped by scale-in or replaced by a newer
// deployment: the task's own deployment, e.g. startedBy ecs-svc/8646900195280463695
// with "Scaling activity initiated by (deployment ecs-svc/8646900195280463695)".
std::string scaling_activity_reason(std::string_view deployment_id);

// rolloutStateReason texts.
std::string deployment_in_progress_reason(
    std::string_view deployment_id);  // "ECS deployment ecs-svc/N in progress."
std::string deployment_completed_reason(
    std::string_view deployment_id);  // "ECS deployment ecs-svc/N completed."
// The circuit breaker's, on the failed deployment (as in ECS's
// SERVICE_DEPLOYMENT_FAILED event example).
inline constexpr std::string_view kBreakerFailedReason =
    "ECS deployment circuit breaker: task failed to start.";
// On the deployment rolled back to: "ECS deployment circuit breaker: rolling
// back to deploymentId ecs-svc/N."
std::string rolling_back_reason(std::string_view deployment_id);
// On the deployment a StopServiceDeployment ROLLBACK returned to (gantry's
// words, after the breaker's): "StopServiceDeployment: rolling back to
// deploymentId ecs-svc/N."
std::string requested_rollback_reason(std::string_view deployment_id);

// Service event messages.
// What an event about a task set names: "NAME, taskSet ecs-svc/N", which the
// messages below put in their prefix as ECS writes it: "(service NAME,
// taskSet ecs-svc/N) has started 1 tasks: (task ID)."
std::string task_set_subject(std::string_view service, std::string_view task_set_id);
// "(service NAME) has started 2 tasks: (task ID) (task ID)." and, when some
// replace tasks that failed their health checks, " Amazon ECS replaced 1 tasks
// due to an unhealthy status."
std::string tasks_started_message(std::string_view service,
                                  const std::vector<std::string>& task_ids,
                                  int replacing_unhealthy = 0);
// "(service NAME) has stopped 1 running tasks: (task ID)."
std::string tasks_stopped_message(std::string_view service,
                                  const std::vector<std::string>& task_ids);
// The message of any fact but TasksStartedFact, whose task ids only the
// controller knows once it has launched them (nullopt for it).
std::optional<std::string> fact_message(std::string_view service, const ServiceFact& fact);

// "(service NAME) was unable to place a task because no container instance
// met all of its requirements." with the closest instance and why, from
// placement's failure reason ("RESOURCE:CPU", "RESOURCE:MEMORY",
// "RESOURCE:PORTS", "RESOURCE:GPU", "ATTRIBUTE", "AGENT", a constraint's
// error, or "MISSING" for a cluster without instances).
std::string unable_to_place_message(std::string_view service, std::string_view instance_id,
                                    std::string_view reason);

// Repeats: "duplicate event messages are omitted until either the cause is
// resolved or six hours passes" (Developer Guide, "Viewing service event
// messages"); ECS keeps "the 100 most recent events".
inline constexpr std::chrono::hours kEventRepeatAfter{6};

struct PostedEvent {
  std::string message;
  core::SystemTime created_at;
};

// Whether `message` repeats the newest posted event (newest first) within six
// hours: the same message while nothing else has been posted since is the
// cause not yet resolved.
bool is_repeat(const std::vector<PostedEvent>& newest_first, std::string_view message,
               core::SystemTime now);

}  // namespace gantry::controllers
