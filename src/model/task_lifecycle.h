#pragma once
// ECS's task lifecycle (lastStatus). It only moves forward; a report that
// would move it back (a late or repeated one) is ignored.
#include <array>
#include <optional>
#include <string_view>

namespace gantry::model {

enum class TaskStatus {
  kProvisioning,
  kPending,
  kActivating,
  kRunning,
  kDeactivating,
  kStopping,
  kDeprovisioning,
  kStopped,
};

inline constexpr std::array<std::string_view, 8> kTaskStatusNames = {
    "PROVISIONING", "PENDING",  "ACTIVATING",     "RUNNING",
    "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"};

inline std::string_view task_status_name(TaskStatus status) {
  return kTaskStatusNames[static_cast<size_t>(status)];
}

inline std::optional<TaskStatus> parse_task_status(std::string_view name) {
  for (size_t i = 0; i < kTaskStatusNames.size(); ++i) {
    if (kTaskStatusNames[i] == name) return static_cast<TaskStatus>(i);
  }
  return std::nullopt;
}

inline bool can_transition(TaskStatus from, TaskStatus to) { return to > from; }

// The statuses DescribeClusters counts as pending.
inline bool is_pending(TaskStatus status) { return status <= TaskStatus::kActivating; }

}  // namespace gantry::model
