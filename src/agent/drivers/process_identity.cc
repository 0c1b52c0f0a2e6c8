#include "agent/drivers/process_identity.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <map>

namespace gantry::agent {

using launch::ResourceLimit;
using launch::UserIds;

namespace {

std::optional<int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 10)
    return std::nullopt;
  int64_t value = std::stoll(text);
  if (value > 0xfffffffe) return std::nullopt;
  return value;
}

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

template <class Lookup>
std::optional<PasswdEntry> passwd_lookup(Lookup lookup) {
  std::vector<char> buffer(16384);
  while (true) {
    passwd entry{};
    passwd* found = nullptr;
    int error = lookup(&entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < (1 << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (found == nullptr) return std::nullopt;
    return PasswdEntry{entry.pw_name, entry.pw_uid, entry.pw_gid};
  }
}

std::optional<gid_t> group_lookup(const std::string& name) {
  std::vector<char> buffer(16384);
  while (true) {
    group entry{};
    group* found = nullptr;
    int error = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < (1 << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (found == nullptr) return std::nullopt;
    return entry.gr_gid;
  }
}

}  // namespace

// ECS's `user`: "uid", "uid:gid", "name", "name:group" (and mixes). Names
// are looked up here, before any fork: NSS may allocate and lock.
std::optional<UserIds> resolve_user(const std::string& spec) {
  if (spec.empty()) return std::nullopt;
  size_t colon = spec.find(':');
  std::string user_part = spec.substr(0, colon);
  std::optional<std::string> group_part;
  if (colon != std::string::npos) group_part = spec.substr(colon + 1);

  UserIds ids;
  std::optional<PasswdEntry> entry;
  if (auto uid = parse_id(user_part)) {
    ids.uid = static_cast<uid_t>(*uid);
    entry = passwd_lookup([&](passwd* e, char* b, size_t n, passwd** r) {
      return ::getpwuid_r(ids.uid, e, b, n, r);
    });
  } else {
    entry = passwd_lookup([&](passwd* e, char* b, size_t n, passwd** r) {
      return ::getpwnam_r(user_part.c_str(), e, b, n, r);
    });
    if (!entry)
      throw cannot_start("unable to find user " + user_part +
                        ": no matching entries in passwd file");
    ids.uid = entry->uid;
  }
  ids.gid = entry ? entry->gid : 0;  // Docker's default for a uid without an entry
  if (group_part) {
    if (auto gid = parse_id(*group_part)) {
      ids.gid = static_cast<gid_t>(*gid);
    } else if (auto found = group_lookup(*group_part)) {
      ids.gid = *found;
    } else {
      throw cannot_start("unable to find group " + *group_part +
                        ": no matching entries in group file");
    }
  }
  ids.groups = {ids.gid};
  if (entry) {
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (::getgrouplist(entry->name.c_str(), ids.gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<size_t>(count));
      ::getgrouplist(entry->name.c_str(), ids.gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(count));
    ids.groups = std::move(groups);
  }
  ids.set_groups = ::geteuid() == 0;
  return ids;
}

std::vector<ResourceLimit> resolve_ulimits(const std::vector<Ulimit>& ulimits) {
  static const std::map<std::string, int> kResources = {
      {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
      {"locks", RLIMIT_LOCKS},       {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},     {"nproc", RLIMIT_NPROC},
      {"rss", RLIMIT_RSS},           {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  auto value = [](int64_t limit) {
    return limit < 0 ? RLIM_INFINITY : static_cast<rlim_t>(limit);  // -1: unlimited, as Docker
  };
  std::vector<ResourceLimit> limits;
  for (const auto& ulimit : ulimits) {
    auto found = kResources.find(ulimit.name);
    if (found == kResources.end()) throw cannot_start("unknown ulimit '" + ulimit.name + "'");
    limits.push_back({found->second, rlimit{value(ulimit.soft_limit), value(ulimit.hard_limit)},
                      found->first.c_str()});
  }
  return limits;
}

}  // namespace gantry::agent
