#include "scheduler/resource_fit.h"

#include <algorithm>

namespace gantry::scheduler {
namespace {

bool ports_free(const std::set<int32_t>& used, const std::vector<int32_t>& wanted) {
  return std::none_of(wanted.begin(), wanted.end(),
                      [&](int32_t port) { return port != 0 && used.contains(port); });
}

void take_ports(std::set<int32_t>& used, const std::vector<int32_t>& wanted) {
  for (int32_t port : wanted)
    if (port != 0) used.insert(port);
}

}  // namespace

std::optional<std::string_view> check_resources(const InstanceView& instance,
                                                const PlacementRequest& request) {
  if (request.cpu > instance.remaining_cpu) return "RESOURCE:CPU";
  if (request.memory > instance.remaining_memory) return "RESOURCE:MEMORY";
  if (!ports_free(instance.used_tcp_ports, request.tcp_host_ports) ||
      !ports_free(instance.used_udp_ports, request.udp_host_ports))
    return "RESOURCE:PORTS";
  if (request.gpu_count > static_cast<int64_t>(instance.free_gpu_ids.size())) return "RESOURCE:GPU";
  return std::nullopt;
}

std::vector<std::string> take_resources(InstanceView& instance, const PlacementRequest& request) {
  instance.remaining_cpu -= request.cpu;
  instance.remaining_memory -= request.memory;
  take_ports(instance.used_tcp_ports, request.tcp_host_ports);
  take_ports(instance.used_udp_ports, request.udp_host_ports);
  const auto gpus = static_cast<ptrdiff_t>(std::max(request.gpu_count, 0));
  std::vector<std::string> taken(instance.free_gpu_ids.begin(), instance.free_gpu_ids.begin() + gpus);
  instance.free_gpu_ids.erase(instance.free_gpu_ids.begin(), instance.free_gpu_ids.begin() + gpus);
  return taken;
}

}  // namespace gantry::scheduler
