#include "agent/drivers/docker_task_cgroup.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace gantry::agent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kParent = "gantry-tasks";
constexpr int64_t kCfsPeriodUs = 100'000;

void write(const fs::path& file, const std::string& value) {
  std::ofstream out(file);
  out << value;
  out.flush();
  if (!out) throw std::runtime_error("cannot write " + value + " to " + file.string());
}

void make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create cgroup " + dir.string() + ": " + ec.message());
}

}  // namespace

DockerTaskCgroup::DockerTaskCgroup(fs::path cgroup_root, int cgroup_version)
    : root_(std::move(cgroup_root)), version_(cgroup_version) {}

fs::path DockerTaskCgroup::dir(const std::string& controller, const std::string& task_id) const {
  return version_ == 2 ? root_ / kParent / task_id : root_ / controller / kParent / task_id;
}

std::string DockerTaskCgroup::create(const std::string& task_id, std::optional<int64_t> memory_mib,
                                     std::optional<int64_t> cpu_units) const {
  const std::string quota =
      cpu_units ? std::to_string(*cpu_units * kCfsPeriodUs / 1024) : std::string();
  if (version_ == 2) {
    // The parent must hand the controllers down to the task groups.
    make_dir(root_ / kParent);
    write(root_ / "cgroup.subtree_control", "+memory +cpu");
    write(root_ / kParent / "cgroup.subtree_control", "+memory +cpu");
    const auto task = dir("", task_id);
    make_dir(task);
    if (memory_mib) write(task / "memory.max", std::to_string(*memory_mib * 1024 * 1024));
    if (cpu_units) write(task / "cpu.max", quota + " " + std::to_string(kCfsPeriodUs));
  } else {
    // Docker makes the task group in every other hierarchy itself.
    const auto memory = dir("memory", task_id);
    make_dir(memory);
    if (memory_mib) {
      write(memory / "memory.limit_in_bytes", std::to_string(*memory_mib * 1024 * 1024));
    }
    const auto cpu = dir("cpu", task_id);
    make_dir(cpu);
    if (cpu_units) write(cpu / "cpu.cfs_quota_us", quota);
  }
  return std::string("/") + kParent + "/" + task_id;
}

void DockerTaskCgroup::remove(const std::string& task_id) const {
  // rmdir, not remove_all: a cgroup's files are not files to delete.
  for (const char* controller : {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices",
                                 "freezer", "net_cls", "perf_event", "hugetlb", "systemd"}) {
    const auto path = version_ == 2 ? dir("", task_id) : dir(controller, task_id);
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    if (!fs::remove(path, ec) && ec) {
      spdlog::warn("docker: cannot remove task cgroup {}: {}", path.string(), ec.message());
    }
    if (version_ == 2) break;
  }
}

}  // namespace gantry::agent
