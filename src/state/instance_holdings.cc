#include "state/instance_holdings.h"

#include <atomic>

#include "model/task_lifecycle.h"

namespace gantry::state {

namespace {

template <class Set, class Values>
void count_each(Set& set, const Values& values, bool add) {
  for (const auto& value : values) {
    if (add) {
      set.insert(value);
    } else if (auto it = set.find(value); it != set.end()) {
      set.erase(it);
    }
  }
}

}  // namespace

void InstanceHoldings::count(const TaskRecord& task, bool add) {
  auto status = model::parse_task_status(task.last_status());
  if (!status || *status == model::TaskStatus::kStopped) return;
  const int64_t sign = add ? 1 : -1;
  const Reservation& r = task.reservation;
  cpu += sign * r.cpu;
  memory += sign * r.memory;
  count_each(tcp_ports, r.tcp_ports, add);
  count_each(udp_ports, r.udp_ports, add);
  count_each(gpu_ids, r.gpu_ids, add);
  if (!r.tcp_ports.empty() || !r.udp_ports.empty() || !r.gpu_ids.empty()) {
    static std::atomic<uint64_t> generations{0};
    devices_generation = ++generations;
  }
  if (*status == model::TaskStatus::kRunning) running_tasks += sign;
  if (model::is_pending(*status)) pending_tasks += sign;
  if (!task.group().empty()) {
    auto it = groups.try_emplace(group_key(task.cluster, task.group()), 0).first;
    if ((it->second += sign) <= 0) groups.erase(it);
  }
}

std::string group_key(std::string_view cluster, std::string_view group) {
  std::string key;
  key.reserve(cluster.size() + 1 + group.size());
  key.append(cluster).append(1, '/').append(group);
  return key;
}

bool InstanceHoldings::empty() const {
  return cpu == 0 && memory == 0 && tcp_ports.empty() && udp_ports.empty() && gpu_ids.empty() &&
         groups.empty() && running_tasks == 0 && pending_tasks == 0;
}

}  // namespace gantry::state
