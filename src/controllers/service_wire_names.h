#pragma once
// The service scheduler's enums as a service's document spells them, both
// ways, in one place.
#include <optional>
#include <string_view>

#include "controllers/service_snapshot.h"

namespace gantry::controllers {

inline std::string_view deployment_status_name(DeploymentStatus status) {
  switch (status) {
    case DeploymentStatus::kPrimary:
      return "PRIMARY";
    case DeploymentStatus::kActive:
      return "ACTIVE";
    case DeploymentStatus::kInactive:
      return "INACTIVE";
  }
  return "ACTIVE";
}

inline DeploymentStatus parse_deployment_status(std::string_view name) {
  if (name == "PRIMARY") return DeploymentStatus::kPrimary;
  if (name == "INACTIVE") return DeploymentStatus::kInactive;
  return DeploymentStatus::kActive;
}

// StopServiceDeployment's stopType; none for anything else.
inline std::optional<StopType> parse_stop_type(std::string_view name) {
  if (name == "ROLLBACK") return StopType::kRollback;
  if (name == "ABORT") return StopType::kAbort;
  return std::nullopt;
}

inline std::string_view rollout_state_name(RolloutState state) {
  switch (state) {
    case RolloutState::kInProgress:
      return "IN_PROGRESS";
    case RolloutState::kCompleted:
      return "COMPLETED";
    case RolloutState::kFailed:
      return "FAILED";
  }
  return "IN_PROGRESS";
}

inline RolloutState parse_rollout_state(std::string_view name) {
  if (name == "COMPLETED") return RolloutState::kCompleted;
  if (name == "FAILED") return RolloutState::kFailed;
  return RolloutState::kInProgress;
}

}  // namespace gantry::controllers
