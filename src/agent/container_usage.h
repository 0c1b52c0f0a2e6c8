#pragma once
// Docker's stats JSON (GET /containers/{id}/stats?stream=false, which every
// driver's stats() answers in) reduced to the figures `docker stats`
// prints, computed as Docker's CLI computes them.
#include <boost/json.hpp>
#include <cstdint>
#include <optional>

namespace gantry::agent {

// Cumulative CPU time, in nanoseconds: the container's
// (cpu_usage.total_usage) and the machine's (system_cpu_usage).
struct CpuTimes {
  uint64_t container_ns = 0;
  uint64_t system_ns = 0;
};

// The times in a cpu_stats or precpu_stats object; nullopt when it has no
// system time (Docker's precpu_stats of a first sample is all zeros).
std::optional<CpuTimes> cpu_times(const boost::json::object& cpu_stats);

// Docker's formula: Δcontainer / Δsystem × online CPUs × 100, so 100 is one
// CPU busy; 0 when either delta is not positive.
double cpu_percent(const CpuTimes& before, const CpuTimes& after, unsigned online_cpus);

struct MemoryUse {
  int64_t used_bytes = 0;
  int64_t limit_bytes = 0;
};

// usage less the page cache the kernel can reclaim: stats.total_inactive_file
// (cgroup v1), stats.inactive_file (v2), or stats.cache (older v1 engines),
// the first present that is below usage.
MemoryUse memory_use(const boost::json::object& memory_stats);

struct ContainerUsage {
  double cpu_percent = 0;
  MemoryUse memory;
  std::optional<CpuTimes> cpu;  // this sample's times: the next sample's baseline
};

// One sample's figures. The CPU baseline is the sample's precpu_stats, or
// `previous` (the caller's last sample of the container) when those are
// empty; with neither, the CPU is 0.
ContainerUsage container_usage(const boost::json::object& stats,
                               const std::optional<CpuTimes>& previous);

}  // namespace gantry::agent
