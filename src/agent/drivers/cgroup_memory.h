#pragma once
// Memory limits for the process driver through the kernel's memory cgroup
// controller, v1 or v2. Every container gets its own group below a `gantry`
// group next to the agent's own: <own>/gantry/<task_id>/<container>, the
// task group carrying the task-level limit. Where no controller can be used
// (not root, a read-only mount, v2 without delegation) the driver runs
// containers without limits, and says so once.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gantry::agent {

// Where this process's memory cgroup lives in the file system.
struct CgroupLocation {
  int version = 0;            // 1 or 2
  std::filesystem::path own;  // e.g. /sys/fs/cgroup/memory/process_api/<id>
};

// Finds this process's memory cgroup from the texts of /proc/self/cgroup and
// /proc/self/mountinfo; nullopt when no mounted hierarchy holds it. A v1
// memory hierarchy wins over v2 on hybrid systems: the controller can only
// be bound to one of them.
std::optional<CgroupLocation> locate_memory_cgroup(std::string_view proc_self_cgroup,
                                                   std::string_view mountinfo);

struct MemoryLimits {
  std::optional<int64_t> hard_bytes;  // v1 memory.limit_in_bytes, v2 memory.max
  std::optional<int64_t> soft_bytes;  // v1 memory.soft_limit_in_bytes, v2 memory.low
};

class CgroupMemory {
 public:
  // Locates this process's memory cgroup and prepares <own>/gantry below it;
  // a warning is logged when that fails.
  static CgroupMemory detect();
  // Prepares <where.own>/gantry; unusable (with the reason) when it cannot.
  static CgroupMemory at(const CgroupLocation& where);
  static CgroupMemory disabled(std::string why);

  bool usable() const { return version_ != 0; }
  int version() const { return version_; }
  const std::string& why_unusable() const { return why_; }
  // <own>/gantry: the parent of the task groups.
  const std::filesystem::path& root() const { return root_; }

  // Creates <root>/<task_id>/<container> with `container_limits`, and the
  // task group with `task_limits` when it is new. Returns the container's
  // group, or an empty path when no controller is usable. Throws
  // std::runtime_error, having removed whatever it created.
  std::filesystem::path create(std::string_view task_id, std::string_view container,
                               const MemoryLimits& task_limits,
                               const MemoryLimits& container_limits) const;

  // Whether the kernel's OOM killer killed a process of `group`. `sigkilled`
  // (the container died of SIGKILL) serves v1 kernels without an oom_kill
  // counter, where a failed charge plus SIGKILL is the best evidence.
  bool oom_killed(const std::filesystem::path& group, bool sigkilled) const;

  // Removes a group made by create(), killing what still runs in it, and its
  // task group once that is empty. Errors are logged, not thrown.
  void remove(const std::filesystem::path& group) const;

 private:
  int version_ = 0;
  std::filesystem::path root_;
  std::string why_;
};

}  // namespace gantry::agent
