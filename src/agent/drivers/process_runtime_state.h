#pragma once
// What the process driver records of a running container in its handle's
// state, so that a restarted agent can watch, stop and exec into it: the
// shim and workload (each named for good by pid and start time), the
// runtime directory, and the program context exec() reuses.
#include <sys/types.h>

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agent/drivers/process_launch.h"
#include "agent/task_spec.h"

namespace gantry::agent {

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks
// since boot. With the pid it names one process for good.
std::optional<uint64_t> process_start_time(pid_t pid);
bool is_process(pid_t pid, uint64_t start_time);

// What start() and exec() run a program with; persisted in the handle's
// state so that exec() works after an agent restart.
struct ProgramContext {
  std::vector<std::string> environment;  // "NAME=value"
  std::string search_path;               // where argv[0] is looked up
  std::string working_dir;
  std::optional<launch::UserIds> user;
  std::filesystem::path cgroup;
};

struct RuntimeState {
  pid_t shim_pid = 0;
  uint64_t shim_start = 0;
  pid_t pid = 0;  // the workload, leader of process group `pgid`
  pid_t pgid = 0;
  uint64_t start = 0;
  std::filesystem::path dir;
  int64_t stop_timeout_ms = 0;
  ProgramContext program;

  std::filesystem::path exit_file() const { return dir / "exit"; }
  bool exited() const { return std::filesystem::exists(exit_file()); }
  bool workload_alive() const { return !exited() && is_process(pid, start); }
};

boost::json::object runtime_state_to_json(const RuntimeState& state);
// Throws on a malformed state (boost::json throws on missing members and
// wrong types).
RuntimeState runtime_state_from_json(const boost::json::object& object);

// The environment (PATH defaulted), search path, working directory and user
// a container's program runs with.
ProgramContext program_context(const ContainerSpec& container);

}  // namespace gantry::agent
