#pragma once
// ECS's container lifecycle within a task (containers[].lastStatus):
// PENDING, RUNNING, STOPPED. It only moves forward, so a late or repeated
// report leaves it where it is.
#include <array>
#include <optional>
#include <string_view>

namespace gantry::model {

enum class ContainerStatus { kPending, kRunning, kStopped };

inline constexpr std::array<std::string_view, 3> kContainerStatusNames = {"PENDING", "RUNNING",
                                                                          "STOPPED"};

inline std::string_view container_status_name(ContainerStatus status) {
  return kContainerStatusNames[static_cast<size_t>(status)];
}

inline std::optional<ContainerStatus> parse_container_status(std::string_view name) {
  for (size_t i = 0; i < kContainerStatusNames.size(); ++i) {
    if (kContainerStatusNames[i] == name) return static_cast<ContainerStatus>(i);
  }
  return std::nullopt;
}

// The status after a report of `reported`: it, when it is further on.
inline ContainerStatus transition(ContainerStatus from, ContainerStatus reported) {
  return reported > from ? reported : from;
}

}  // namespace gantry::model
