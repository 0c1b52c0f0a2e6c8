#include "agent/container_usage.h"

#include <algorithm>
#include <string_view>

namespace gantry::agent {

namespace json = boost::json;

namespace {

const json::object* object_at(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// A non-negative integer member (engines write them as JSON integers;
// a double is accepted and truncated); nullopt when absent or not one.
std::optional<uint64_t> count_at(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  if (v->is_double() && v->get_double() >= 0) return static_cast<uint64_t>(v->get_double());
  return std::nullopt;
}

int64_t clamp_to_int64(uint64_t value) {
  return static_cast<int64_t>(std::min<uint64_t>(value, INT64_MAX));
}

unsigned online_cpus(const json::object& cpu_stats) {
  if (auto online = count_at(cpu_stats, "online_cpus"); online && *online > 0) {
    return static_cast<unsigned>(*online);
  }
  // Engines before API 1.27 list per-CPU times instead.
  if (const json::object* usage = object_at(cpu_stats, "cpu_usage")) {
    if (const json::value* per_cpu = usage->if_contains("percpu_usage");
        per_cpu && per_cpu->is_array()) {
      return static_cast<unsigned>(per_cpu->get_array().size());
    }
  }
  return 0;
}

}  // namespace

std::optional<CpuTimes> cpu_times(const json::object& cpu_stats) {
  auto system = count_at(cpu_stats, "system_cpu_usage");
  const json::object* usage = object_at(cpu_stats, "cpu_usage");
  auto total = usage ? count_at(*usage, "total_usage") : std::nullopt;
  if (!system || *system == 0 || !total) return std::nullopt;
  return CpuTimes{*total, *system};
}

double cpu_percent(const CpuTimes& before, const CpuTimes& after, unsigned online_cpus) {
  // Signed: a counter that went backwards (a process of the group gone) is no use.
  double container_delta =
      static_cast<double>(after.container_ns) - static_cast<double>(before.container_ns);
  double system_delta =
      static_cast<double>(after.system_ns) - static_cast<double>(before.system_ns);
  if (container_delta <= 0 || system_delta <= 0) return 0;
  return container_delta / system_delta * online_cpus * 100.0;
}

MemoryUse memory_use(const json::object& memory_stats) {
  uint64_t usage = count_at(memory_stats, "usage").value_or(0);
  MemoryUse use{clamp_to_int64(usage), clamp_to_int64(count_at(memory_stats, "limit").value_or(0))};
  const json::object* stats = object_at(memory_stats, "stats");
  if (!stats) return use;
  for (std::string_view reclaimable : {"total_inactive_file", "inactive_file", "cache"}) {
    if (auto bytes = count_at(*stats, reclaimable); bytes && *bytes < usage) {
      use.used_bytes = clamp_to_int64(usage - *bytes);
      break;
    }
  }
  return use;
}

ContainerUsage container_usage(const json::object& stats, const std::optional<CpuTimes>& previous) {
  ContainerUsage usage;
  if (const json::object* memory = object_at(stats, "memory_stats"))
    usage.memory = memory_use(*memory);
  const json::object* cpu = object_at(stats, "cpu_stats");
  if (!cpu) return usage;
  usage.cpu = cpu_times(*cpu);
  if (!usage.cpu) return usage;
  const json::object* precpu = object_at(stats, "precpu_stats");
  std::optional<CpuTimes> before = precpu ? cpu_times(*precpu) : std::nullopt;
  if (!before) before = previous;
  if (before) usage.cpu_percent = cpu_percent(*before, *usage.cpu, online_cpus(*cpu));
  return usage;
}

}  // namespace gantry::agent
