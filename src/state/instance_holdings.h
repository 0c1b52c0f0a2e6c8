#pragma once
// What the unstopped tasks on a host (a container instance's machine) hold,
// whatever cluster each belongs to, kept up to date as tasks change, so
// that remaining resources and task counts cost no scan of the tasks (a
// placement reads them for every instance it considers).
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "state/records.h"

namespace gantry::state {

struct InstanceHoldings {
  int64_t cpu = 0;
  int64_t memory = 0;
  std::multiset<int32_t> tcp_ports;
  std::multiset<int32_t> udp_ports;
  std::multiset<std::string> gpu_ids;
  // Unstopped tasks per group of a cluster, keyed by group_key(): a
  // group's name ("family:web", "service:api", ...) is the cluster's own.
  std::map<std::string, int64_t, std::less<>> groups;
  int64_t running_tasks = 0;
  int64_t pending_tasks = 0;
  // Changes whenever the ports or GPUs above do, to a value no holdings
  // had before (0: never held any), so a reader can tell whether the sets
  // it copied are still these.
  uint64_t devices_generation = 0;

  // Counts `task` in (add) or out; a STOPPED task holds nothing.
  void count(const TaskRecord& task, bool add);
  bool empty() const;
};

// "<cluster>/<group>": cluster names hold no '/'.
std::string group_key(std::string_view cluster, std::string_view group);

}  // namespace gantry::state
