#pragma once
// What the process driver's and the memory cgroups' tests share.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "agent/drivers/cgroup_memory.h"

namespace gantry::agent {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Detected once: the detection logs, and every test uses the same groups.
inline const CgroupMemory& detected_cgroups() {
  static const CgroupMemory cgroups = CgroupMemory::detect();
  return cgroups;
}

}  // namespace gantry::agent
