#pragma once
// A GPU's health as an agent sees it, the agent channel's "gpuHealth"
// message that carries every GPU's at once (level-triggered: sent on every
// change and on every connect), and the ECS health detail it makes.
//
// agent -> server: {"type": "gpuHealth", "gpus": [{"uuid", "healthStatus",
//                   "pciBusId", "reason", "message", "action", "lastXid",
//                   "changedAt"}]}
#include <boost/json.hpp>
#include <string>
#include <vector>

namespace gantry::model {

inline constexpr std::string_view kGpuHealthy = "HEALTHY";
inline constexpr std::string_view kGpuUnhealthy = "UNHEALTHY";

struct GpuHealth {
  std::string uuid;
  std::string pci_bus_id;  // NVML's, e.g. "00000000:18:00.0"; empty when unknown
  std::string health_status{kGpuHealthy};  // HEALTHY | UNHEALTHY
  // Why it is unhealthy, as ECS writes an ACCELERATED_COMPUTE statusReason:
  // XID_79, GPU_IS_LOST, ECC_UNCORRECTED, ROW_REMAP_PENDING, RECOVERY_ACTION_*.
  std::string reason;
  std::string message;    // for people: "XID 79: GPU has fallen off the bus"
  std::string action;     // what the GPU needs: RESET_GPU, RESTART_BM, ...
  int last_xid = 0;       // the last XID it raised, of any class (0: none)
  double changed_at = 0;  // epoch seconds of the last change of the above

  bool healthy() const { return health_status == kGpuHealthy; }
  bool operator==(const GpuHealth&) const = default;
};

boost::json::object gpu_health_message(const std::vector<GpuHealth>& gpus);
// Throws std::runtime_error for a message of another shape.
std::vector<GpuHealth> parse_gpu_health(const boost::json::object& message);

// As stored and as the gantry-only views show each GPU.
boost::json::object gpu_health_document(const GpuHealth& gpu);
GpuHealth gpu_health_from(const boost::json::object& document);

}  // namespace gantry::model
