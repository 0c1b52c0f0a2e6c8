#include "agent/drivers/cgroup_memory.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

namespace gantry::agent {
namespace {

namespace fs = std::filesystem;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (true) {
    size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

// mountinfo escapes blanks and backslashes in paths as \ooo.
std::string unescape_octal(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      int value = 0;
      auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 4, value, 8);
      if (ec == std::errc() && end == text.data() + i + 4) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

bool has_word(std::string_view list, std::string_view word, char separator) {
  for (auto part : split(list, separator))
    if (part == word) return true;
  return false;
}

// Whether `path` lies at or below `root` (both absolute, as the kernel writes them).
std::optional<std::string_view> relative_to(std::string_view path, std::string_view root) {
  if (root == "/") return path.substr(1);
  if (path.substr(0, root.size()) != root) return std::nullopt;
  if (path.size() == root.size()) return std::string_view{};
  if (path[root.size()] != '/') return std::nullopt;
  return path.substr(root.size() + 1);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether a v2 group may use the memory controller.
bool has_controller(const fs::path& group) {
  std::string controllers = read_text(group / "cgroup.controllers");
  while (!controllers.empty() && controllers.back() == '\n') controllers.pop_back();
  return has_word(controllers, "memory", ' ');
}

// The value of the `key N` line of a flat-keyed cgroup file, if any.
std::optional<int64_t> keyed_value(const fs::path& file, std::string_view key) {
  std::string text = read_text(file);
  for (auto line : split(text, '\n')) {
    auto words = split(line, ' ');
    if (words.size() == 2 && words[0] == key) {
      int64_t value = 0;
      auto [end, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), value);
      if (ec == std::errc()) return value;
    }
  }
  return std::nullopt;
}

// Writes a control file with one write(2), as the kernel wants; 0 or errno.
int write_control(const fs::path& file, std::string_view value) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = ::write(fd, value.data(), value.size());
  int error = n < 0 ? errno : (static_cast<size_t>(n) == value.size() ? 0 : EIO);
  ::close(fd);
  return error;
}

std::string error_text(int error) { return std::generic_category().message(error); }

// Makes a directory; true when it made it, false when it was there.
bool make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return true;
  if (errno == EEXIST) return false;
  throw std::runtime_error("cannot create cgroup " + dir.string() + ": " + error_text(errno));
}

void check_name(std::string_view name, std::string_view what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
    throw std::runtime_error("invalid " + std::string(what) + " for a cgroup name: '" +
                             std::string(name) + "'");
}

void set_control(const fs::path& file, std::string_view value) {
  if (int error = write_control(file, value); error != 0)
    throw std::runtime_error("cannot write " + std::string(value) + " to " + file.string() + ": " +
                             error_text(error));
}

void apply_limits(int version, const fs::path& group, const MemoryLimits& limits) {
  if (version == 1) {
    if (limits.hard_bytes) {
      std::string value = std::to_string(*limits.hard_bytes);
      // memsw (memory + swap) must stay >= the memory limit: lift it first,
      // then match it so that swap cannot dodge the limit.
      bool memsw = fs::exists(group / "memory.memsw.limit_in_bytes");
      if (memsw) set_control(group / "memory.memsw.limit_in_bytes", "-1");
      set_control(group / "memory.limit_in_bytes", value);
      if (memsw) set_control(group / "memory.memsw.limit_in_bytes", value);
    }
    if (limits.soft_bytes)
      set_control(group / "memory.soft_limit_in_bytes", std::to_string(*limits.soft_bytes));
  } else {
    if (limits.hard_bytes) {
      set_control(group / "memory.max", std::to_string(*limits.hard_bytes));
      if (fs::exists(group / "memory.swap.max")) set_control(group / "memory.swap.max", "0");
    }
    if (limits.soft_bytes) set_control(group / "memory.low", std::to_string(*limits.soft_bytes));
  }
}

void check_limits(const MemoryLimits& limits) {
  if ((limits.hard_bytes && *limits.hard_bytes <= 0) ||
      (limits.soft_bytes && *limits.soft_bytes <= 0))
    throw std::runtime_error("memory limits must be positive");
}

// rmdir that kills what keeps the group busy: processes the container left
// behind, and reaped-late children that have not left it yet.
bool remove_group(const fs::path& group) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::rmdir(group.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) break;
    std::string procs = read_text(group / "cgroup.procs");
    for (auto line : split(procs, '\n')) {
      int pid = 0;
      auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
      if (ec == std::errc() && pid > 0) ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  spdlog::warn("cannot remove cgroup {}: {}", group.string(), error_text(errno));
  return false;
}

}  // namespace

std::optional<CgroupLocation> locate_memory_cgroup(std::string_view proc_self_cgroup,
                                                   std::string_view mountinfo) {
  std::optional<std::string_view> v1_path;
  std::optional<std::string_view> v2_path;
  for (auto line : split(proc_self_cgroup, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 3) continue;
    // The path may itself hold colons: it is everything after the second one.
    std::string_view path = line.substr(fields[0].size() + fields[1].size() + 2);
    if (fields[0] == "0" && fields[1].empty())
      v2_path = path;
    else if (has_word(fields[1], "memory", ','))
      v1_path = path;
  }
  if (!v1_path && !v2_path) return std::nullopt;
  int version = v1_path ? 1 : 2;
  std::string_view own = v1_path ? *v1_path : *v2_path;

  std::optional<CgroupLocation> best;
  size_t best_root = 0;
  for (auto line : split(mountinfo, '\n')) {
    auto fields = split(line, ' ');
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash < 6 || dash + 1 >= fields.size()) continue;
    std::string_view fstype = fields[dash + 1];
    std::string_view super_options = dash + 3 < fields.size() ? fields[dash + 3] : "";
    if (version == 1 && (fstype != "cgroup" || !has_word(super_options, "memory", ','))) continue;
    if (version == 2 && fstype != "cgroup2") continue;
    std::string root = unescape_octal(fields[3]);
    auto rest = relative_to(own, root);
    if (!rest || (best && root.size() <= best_root)) continue;
    fs::path mount_point = unescape_octal(fields[4]);
    best = CgroupLocation{version, rest->empty() ? mount_point : mount_point / *rest};
    best_root = root.size();
  }
  return best;
}

CgroupMemory CgroupMemory::detect() {
  auto where =
      locate_memory_cgroup(read_text("/proc/self/cgroup"), read_text("/proc/self/mountinfo"));
  CgroupMemory cgroups =
      where ? at(*where) : disabled("no mounted memory cgroup hierarchy holds this process");
  if (!cgroups.usable())
    spdlog::warn("containers run without memory limits: {}", cgroups.why_unusable());
  else
    spdlog::info("memory cgroups (v{}) under {}", cgroups.version(), cgroups.root().string());
  return cgroups;
}

CgroupMemory CgroupMemory::disabled(std::string why) {
  CgroupMemory cgroups;
  cgroups.why_ = std::move(why);
  return cgroups;
}

CgroupMemory CgroupMemory::at(const CgroupLocation& where) {
  if (where.version != 1 && where.version != 2)
    return disabled("unknown cgroup version " + std::to_string(where.version));
  fs::path root = where.own / "gantry";
  bool created = false;
  try {
    if (where.version == 2 && !has_controller(where.own))
      return disabled("the memory controller is not delegated to " + where.own.string());
    created = make_dir(root);
    if (::access((root / "cgroup.procs").c_str(), W_OK) != 0)
      throw std::runtime_error("cannot write to " + (root / "cgroup.procs").string() + ": " +
                               error_text(errno));
    if (where.version == 2) {
      // A v2 group that holds processes cannot pass controllers down (the
      // "no internal processes" rule), so this works only where the agent's
      // group is delegated and empty, or the root.
      if (!has_controller(root)) set_control(where.own / "cgroup.subtree_control", "+memory");
      set_control(root / "cgroup.subtree_control", "+memory");
    }
  } catch (const std::exception& e) {
    if (created) ::rmdir(root.c_str());
    return disabled(e.what());
  }
  CgroupMemory cgroups;
  cgroups.version_ = where.version;
  cgroups.root_ = std::move(root);
  return cgroups;
}

fs::path CgroupMemory::create(std::string_view task_id, std::string_view container,
                              const MemoryLimits& task_limits,
                              const MemoryLimits& container_limits) const {
  check_name(task_id, "task id");
  check_name(container, "container name");
  check_limits(task_limits);
  check_limits(container_limits);
  if (!usable()) return {};
  fs::path task_group = root_ / std::string(task_id);
  fs::path group = task_group / std::string(container);
  bool task_created = false;
  bool group_created = false;
  try {
    task_created = make_dir(task_group);
    if (task_created) {
      if (version_ == 2) set_control(task_group / "cgroup.subtree_control", "+memory");
      apply_limits(version_, task_group, task_limits);
    }
    // A group left by an earlier run of this container (the agent died
    // before remove()) is replaced so that no old limit or count survives.
    if (fs::exists(group) && ::rmdir(group.c_str()) != 0)
      throw std::runtime_error("cannot replace cgroup " + group.string() + ": " +
                               error_text(errno));
    group_created = make_dir(group);
    apply_limits(version_, group, container_limits);
  } catch (...) {
    if (group_created) ::rmdir(group.c_str());
    if (task_created) ::rmdir(task_group.c_str());
    throw;
  }
  return group;
}

bool CgroupMemory::oom_killed(const fs::path& group, bool sigkilled) const {
  if (!usable() || group.empty()) return false;
  if (version_ == 2) return keyed_value(group / "memory.events", "oom_kill").value_or(0) > 0;
  if (auto kills = keyed_value(group / "memory.oom_control", "oom_kill")) return *kills > 0;
  // Kernels before 4.13 count no OOM kills; a charge that failed at the limit
  // and a SIGKILL together are the kernel's OOM killer at work.
  std::string failcnt = read_text(group / "memory.failcnt");
  int64_t failures = 0;
  std::from_chars(failcnt.data(), failcnt.data() + failcnt.size(), failures);
  return sigkilled && failures > 0;
}

void CgroupMemory::remove(const fs::path& group) const {
  // Only groups below our own root: the path comes from persisted state.
  if (group.empty() || root_.empty() || group.parent_path().parent_path() != root_) return;
  if (!remove_group(group)) return;
  fs::path task_group = group.parent_path();
  // Other containers of the task may still use it: then it stays.
  if (::rmdir(task_group.c_str()) != 0 && errno != ENOTEMPTY && errno != EBUSY && errno != ENOENT &&
      errno != EEXIST)
    spdlog::warn("cannot remove cgroup {}: {}", task_group.string(), error_text(errno));
}

}  // namespace gantry::agent
