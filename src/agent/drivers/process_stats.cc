#include "agent/drivers/process_stats.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gantry::agent {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::optional<uint64_t> parse_count(std::string_view word) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return value;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Calls `each` with every line of `text`.
template <typename Each>
void for_each_line(std::string_view text, Each each) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    each(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::optional<uint64_t> read_count(const fs::path& path) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  auto w = words(*text);
  return w.empty() ? std::nullopt : parse_count(w.front());
}

uint64_t nanoseconds_per_tick() {
  long ticks = ::sysconf(_SC_CLK_TCK);
  return 1'000'000'000ULL / static_cast<uint64_t>(ticks > 0 ? ticks : 100);
}

fs::path proc_file(pid_t pid, const char* name) {
  return fs::path("/proc") / std::to_string(pid) / name;
}

std::vector<pid_t> group_processes(const fs::path& cgroup) {
  std::vector<pid_t> pids;
  if (auto text = read_text(cgroup / "cgroup.procs")) {
    for_each_line(*text, [&](std::string_view line) {
      if (auto pid = parse_count(line)) pids.push_back(static_cast<pid_t>(*pid));
    });
  }
  return pids;
}

// The container's CPU time in nanoseconds.
std::optional<uint64_t> container_cpu_ns(pid_t pid, const fs::path& cgroup, int version,
                                         const std::vector<pid_t>& members) {
  if (!cgroup.empty() && version == 2) {
    if (auto text = read_text(cgroup / "cpu.stat")) {
      json::object stat = integer_lines(*text);
      if (auto* usec = stat.if_contains("usage_usec")) return usec->to_number<uint64_t>() * 1000;
    }
  }
  uint64_t ticks = 0;
  bool any = false;
  for (pid_t member : members.empty() ? std::vector<pid_t>{pid} : members) {
    auto text = read_text(proc_file(member, "stat"));
    auto member_ticks = text ? process_cpu_ticks(*text) : std::nullopt;
    if (!member_ticks) continue;  // exited meanwhile
    ticks += *member_ticks;
    any = true;
  }
  if (!any) return std::nullopt;
  return ticks * nanoseconds_per_tick();
}

json::object memory_stats(pid_t pid, const fs::path& cgroup, int version) {
  std::optional<uint64_t> usage, limit;
  json::object stats;
  if (!cgroup.empty()) {
    usage = read_count(cgroup / (version == 1 ? "memory.usage_in_bytes" : "memory.current"));
    limit = read_count(cgroup /
                       (version == 1 ? "memory.limit_in_bytes" : "memory.max"));  // "max": none
    if (auto text = read_text(cgroup / "memory.stat")) stats = integer_lines(*text);
  } else if (auto statm = read_text(proc_file(pid, "statm"))) {
    auto fields = words(*statm);
    auto resident = fields.size() > 1 ? parse_count(fields[1]) : std::nullopt;
    long page = ::sysconf(_SC_PAGESIZE);
    if (resident && page > 0) usage = *resident * static_cast<uint64_t>(page);
  }
  // As Docker does, an unlimited (or larger than the host) group shows the host's memory.
  auto meminfo = read_text("/proc/meminfo");
  auto host = meminfo ? mem_total_bytes(*meminfo) : std::nullopt;
  if (host && (!limit || *limit > static_cast<uint64_t>(*host)))
    limit = static_cast<uint64_t>(*host);
  json::object memory{{"usage", usage.value_or(0)}, {"stats", std::move(stats)}};
  if (limit) memory["limit"] = *limit;
  return memory;
}

}  // namespace

std::optional<uint64_t> process_cpu_ticks(std::string_view text) {
  size_t name_end = text.rfind(')');  // the name may hold blanks and parentheses
  if (name_end == std::string_view::npos) return std::nullopt;
  auto fields = words(text.substr(name_end + 1));
  // fields[0] is field 3 (state); utime..cstime are fields 14..17.
  if (fields.size() < 15) return std::nullopt;
  uint64_t total = 0;
  for (size_t i = 11; i <= 14; ++i) {
    // cutime and cstime are signed in the kernel's format; never negative in practice.
    auto value = parse_count(fields[i]);
    if (!value) return std::nullopt;
    total += *value;
  }
  return total;
}

std::optional<uint64_t> system_cpu_ticks(std::string_view text) {
  std::optional<uint64_t> total;
  for_each_line(text, [&](std::string_view line) {
    auto fields = words(line);
    if (total || fields.size() < 8 || fields[0] != "cpu") return;
    uint64_t sum = 0;
    for (size_t i = 1; i <= 7; ++i) {
      auto value = parse_count(fields[i]);
      if (!value) return;
      sum += *value;
    }
    total = sum;
  });
  return total;
}

json::object integer_lines(std::string_view text) {
  json::object out;
  for_each_line(text, [&](std::string_view line) {
    auto fields = words(line);
    if (fields.size() != 2) return;
    if (auto value = parse_count(fields[1])) out[fields[0]] = *value;
  });
  return out;
}

std::optional<int64_t> mem_total_bytes(std::string_view text) {
  std::optional<int64_t> total;
  for_each_line(text, [&](std::string_view line) {
    auto fields = words(line);
    if (total || fields.size() < 2 || fields[0] != "MemTotal:") return;
    auto kib = parse_count(fields[1]);
    if (kib) total = static_cast<int64_t>(*kib) * 1024;
  });
  return total;
}

std::optional<json::object> process_stats(pid_t pid, const fs::path& cgroup, int cgroup_version) {
  if (pid <= 0 || !fs::exists(proc_file(pid, "stat"))) return std::nullopt;
  std::vector<pid_t> members = cgroup.empty() ? std::vector<pid_t>{} : group_processes(cgroup);
  auto container_ns = container_cpu_ns(pid, cgroup, cgroup_version, members);
  auto proc_stat = read_text("/proc/stat");
  auto system_ticks = proc_stat ? system_cpu_ticks(*proc_stat) : std::nullopt;
  if (!container_ns || !system_ticks) return std::nullopt;
  long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  json::object cpu{{"cpu_usage", json::object{{"total_usage", *container_ns}}},
                   {"system_cpu_usage", *system_ticks * nanoseconds_per_tick()},
                   {"online_cpus", online > 0 ? online : 1}};
  return json::object{
      {"cpu_stats", std::move(cpu)},
      {"precpu_stats", json::object{}},
      {"memory_stats", memory_stats(pid, cgroup, cgroup_version)},
      {"pids_stats", json::object{{"current", std::max<size_t>(members.size(), 1)}}}};
}

}  // namespace gantry::agent
