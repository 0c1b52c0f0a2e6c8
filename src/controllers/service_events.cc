#include "controllers/service_events.h"

#include <type_traits>

namespace gantry::controllers {

namespace {

std::string prefix(std::string_view service) { return "(service " + std::string(service) + ")"; }

std::string task_list(const std::vector<std::string>& task_ids) {
  std::string out;
  for (const auto& id : task_ids) {
    if (!out.empty()) out += ' ';
    out += "(task " + id + ")";
  }
  return out;
}

// The closing words of "The closest matching (container-instance ID) ...".
std::string closest_instance_problem(std::string_view reason) {
  if (reason == "RESOURCE:CPU") return "has insufficient CPU units available.";
  if (reason == "RESOURCE:MEMORY") return "has insufficient memory available.";
  if (reason == "RESOURCE:PORTS") return "is already using a port required by your task.";
  if (reason == "RESOURCE:GPU") return "has insufficient GPU units available.";
  if (reason == "ATTRIBUTE") return "is missing an attribute required by your task.";
  // ECS quotes the error itself: encountered error "AGENT", encountered
  // error "MemberOf placement constraint unsatisfied.".
  return "encountered error \"" + std::string(reason) + "\".";
}

}  // namespace

std::string scaling_activity_reason(std::string_view deployment_id) {
  return "Scaling activity initiated by (deployment " + std::string(deployment_id) + ")";
}

std::string deployment_in_progress_reason(std::string_view deployment_id) {
  return "ECS deployment " + std::string(deployment_id) + " in progress.";
}

std::string deployment_completed_reason(std::string_view deployment_id) {
  return "ECS deployment " + std::string(deployment_id) + " completed.";
}

std::string rolling_back_reason(std::string_view deployment_id) {
  return "ECS deployment circuit breaker: rolling back to deploymentId " +
         std::string(deployment_id) + ".";
}

std::string requested_rollback_reason(std::string_view deployment_id) {
  return "StopServiceDeployment: rolling back to deploymentId " + std::string(deployment_id) + ".";
}

std::string task_set_subject(std::string_view service, std::string_view task_set_id) {
  return std::string(service) + ", taskSet " + std::string(task_set_id);
}

std::string tasks_started_message(std::string_view service,
                                  const std::vector<std::string>& task_ids,
                                  int replacing_unhealthy) {
  std::string out = prefix(service) + " has started " + std::to_string(task_ids.size()) +
                    " tasks: " + task_list(task_ids) + ".";
  if (replacing_unhealthy > 0) {
    out += " Amazon ECS replaced " + std::to_string(replacing_unhealthy) +
           " tasks due to an unhealthy status.";
  }
  return out;
}

std::string tasks_stopped_message(std::string_view service,
                                  const std::vector<std::string>& task_ids) {
  return prefix(service) + " has stopped " + std::to_string(task_ids.size()) +
         " running tasks: " + task_list(task_ids) + ".";
}

std::optional<std::string> fact_message(std::string_view service, const ServiceFact& fact) {
  return std::visit(
      [&](const auto& f) -> std::optional<std::string> {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, TasksStartedFact>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<F, TasksStoppedFact>) {
          return tasks_stopped_message(f.task_set_id.empty()
                                           ? std::string(service)
                                           : task_set_subject(service, f.task_set_id),
                                       f.task_ids);
        } else if constexpr (std::is_same_v<F, TaskFailedHealthChecksFact>) {
          return prefix(service) + " (task " + f.task_id + ") failed container health checks.";
        } else if constexpr (std::is_same_v<F, SteadyStateFact>) {
          return prefix(service) + " has reached a steady state.";
        } else if constexpr (std::is_same_v<F, DeploymentCompletedFact>) {
          return prefix(service) + " (deployment " + f.deployment_id + ") deployment completed.";
        } else if constexpr (std::is_same_v<F, DeploymentFailedFact>) {
          return prefix(service) + " (deployment " + f.deployment_id +
                 ") deployment failed: tasks failed to start.";
        } else if constexpr (std::is_same_v<F, RollingBackFact>) {
          return prefix(service) + " rolling back to deployment " + f.to_deployment + ".";
        } else if constexpr (std::is_same_v<F, DeploymentStoppedFact>) {
          // gantry's words: ECS documents no event for a stopped deployment.
          return prefix(service) + " (deployment " + f.deployment_id +
                 ") deployment stopped by a StopServiceDeployment request.";
        } else if constexpr (std::is_same_v<F, DeploymentBlockedFact>) {
          return prefix(service) +
                 " was unable to stop or start tasks during a deployment because of the service "
                 "deployment configuration. Update the minimumHealthyPercent or maximumPercent "
                 "value and try again.";
        } else if constexpr (std::is_same_v<F, TaskSetSteadyStateFact>) {
          return prefix(task_set_subject(service, f.task_set_id)) + " has reached a steady state.";
        } else {
          static_assert(std::is_same_v<F, StartImpairedFact>);
          return prefix(service) + " is unable to consistently start tasks successfully.";
        }
      },
      fact);
}

std::string unable_to_place_message(std::string_view service, std::string_view instance_id,
                                    std::string_view reason) {
  std::string out = prefix(service) +
                    " was unable to place a task because no container instance met all of its "
                    "requirements.";
  if (reason == "MISSING" || instance_id.empty()) {
    out += " Reason: No Container Instances were found in your cluster.";
  } else {
    out += " The closest matching (container-instance " + std::string(instance_id) + ") " +
           closest_instance_problem(reason);
  }
  return out +
         " For more information, see the Troubleshooting section of the Amazon ECS "
         "Developer Guide.";
}

bool is_repeat(const std::vector<PostedEvent>& newest_first, std::string_view message,
               core::SystemTime now) {
  if (newest_first.empty()) return false;
  const auto& newest = newest_first.front();
  return newest.message == message && now < newest.created_at + kEventRepeatAfter;
}

}  // namespace gantry::controllers
