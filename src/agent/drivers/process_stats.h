#pragma once
// The process driver's stats(): Docker's stats JSON (the shape
// agent/container_usage.h reads) for a container that is a plain process,
// from the kernel's own accounting:
//   cpu_stats.cpu_usage.total_usage  the CPU time of the processes in the
//                                    container's memory cgroup (v2: its
//                                    cpu.stat; v1: their /proc/<pid>/stat),
//                                    or of the workload alone without one
//   cpu_stats.system_cpu_usage       /proc/stat's cpu line, as Docker sums it
//   memory_stats                     usage, limit and stats of the cgroup
//                                    (without one: the workload's resident
//                                    memory); the limit at most the host's
// precpu_stats is empty: the stats collector keeps the previous sample.
#include <sys/types.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace gantry::agent {

// utime + stime + cutime + cstime of a /proc/<pid>/stat text, in clock ticks.
std::optional<uint64_t> process_cpu_ticks(std::string_view proc_pid_stat);
// The sum of user, nice, system, idle, iowait, irq and softirq on /proc/stat's
// "cpu" line, in clock ticks (what Docker counts as the system's time).
std::optional<uint64_t> system_cpu_ticks(std::string_view proc_stat);
// "name value" lines (memory.stat, cpu.stat) as an object of integers.
boost::json::object integer_lines(std::string_view text);
// MemTotal of a /proc/meminfo text, in bytes.
std::optional<int64_t> mem_total_bytes(std::string_view meminfo);

// One sample for the workload `pid`, which runs in `cgroup` (its memory
// cgroup, v1 or v2 as `cgroup_version` says; empty: none). nullopt when
// the workload is gone.
std::optional<boost::json::object> process_stats(pid_t pid, const std::filesystem::path& cgroup,
                                                 int cgroup_version);

}  // namespace gantry::agent
