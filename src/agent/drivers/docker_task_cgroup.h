#pragma once
// Task-level cpu and memory for Docker containers, as the ECS agent applies
// them: a cgroup per task, /gantry-tasks/<task id>, holding the task's
// limits, given to each of its containers as their CgroupParent, so the
// containers together stay within the task's size. Memory is a hard limit;
// cpu is a CFS quota of cpu/1024 CPUs.
//
// Only for Docker's cgroupfs driver (the systemd driver wants slices), with
// the engine and the agent seeing the same cgroup hierarchy.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace gantry::agent {

class DockerTaskCgroup {
 public:
  // `cgroup_root`: where the hierarchies are mounted; `cgroup_version`: 1 or 2
  // as the engine reports it.
  DockerTaskCgroup(std::filesystem::path cgroup_root, int cgroup_version);

  // Creates the task's cgroup with its limits; returns the CgroupParent for
  // its containers. Throws std::runtime_error when the cgroup cannot be made.
  std::string create(const std::string& task_id, std::optional<int64_t> memory_mib,
                     std::optional<int64_t> cpu_units) const;
  // Removes the task's cgroup once its containers are gone; logs failures.
  void remove(const std::string& task_id) const;

 private:
  std::filesystem::path dir(const std::string& controller, const std::string& task_id) const;

  std::filesystem::path root_;
  int version_;
};

}  // namespace gantry::agent
