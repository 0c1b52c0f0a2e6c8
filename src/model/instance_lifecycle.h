#pragma once
// ECS's container instance lifecycle (status). An instance registers
// ACTIVE, moves between ACTIVE and DRAINING (UpdateContainerInstancesState),
// and ends INACTIVE when it is deregistered; INACTIVE is final (a new
// registration is a new instance).
#include <array>
#include <optional>
#include <string_view>

namespace gantry::model {

enum class InstanceStatus {
  kRegistering,
  kRegistrationFailed,
  kActive,
  kInactive,
  kDeregistering,
  kDraining,
};

inline constexpr std::array<std::string_view, 6> kInstanceStatusNames = {
    "REGISTERING", "REGISTRATION_FAILED", "ACTIVE", "INACTIVE", "DEREGISTERING", "DRAINING"};

inline std::string_view instance_status_name(InstanceStatus status) {
  return kInstanceStatusNames[static_cast<size_t>(status)];
}

inline std::optional<InstanceStatus> parse_instance_status(std::string_view name) {
  for (size_t i = 0; i < kInstanceStatusNames.size(); ++i) {
    if (kInstanceStatusNames[i] == name) return static_cast<InstanceStatus>(i);
  }
  return std::nullopt;
}

// Whether a status names a registered instance: anything but INACTIVE (an
// unknown or missing status too, as records written by gantry never are).
inline bool is_registered(std::string_view status) {
  return parse_instance_status(status) != InstanceStatus::kInactive;
}

// The status an instance in `from` takes when `to` is asked for, or nullopt
// when it cannot move there: ACTIVE and DRAINING into each other (or
// themselves) and into INACTIVE; nothing out of INACTIVE.
inline std::optional<InstanceStatus> transition(InstanceStatus from, InstanceStatus to) {
  auto in_service = [](InstanceStatus s) {
    return s == InstanceStatus::kActive || s == InstanceStatus::kDraining;
  };
  if (from == InstanceStatus::kInactive) return std::nullopt;
  if (to == InstanceStatus::kInactive || (in_service(from) && in_service(to))) return to;
  return std::nullopt;
}

}  // namespace gantry::model
