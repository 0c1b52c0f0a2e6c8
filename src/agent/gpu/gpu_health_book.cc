#include "agent/gpu/gpu_health_book.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "agent/gpu/nvml_abi.h"
#include "agent/gpu/xid_catalog.h"

namespace gantry::agent::gpu {

namespace {

// XID 94: an uncorrectable error the driver contained to one application.
constexpr int kContainedEccXid = 94;

std::string_view recovery_action_name(unsigned action) {
  switch (action) {
    case NVML_GPU_RECOVERY_ACTION_GPU_RESET:
      return "GPU_RESET";
    case NVML_GPU_RECOVERY_ACTION_NODE_REBOOT:
      return "NODE_REBOOT";
    case NVML_GPU_RECOVERY_ACTION_DRAIN_P2P:
      return "DRAIN_P2P";
    case NVML_GPU_RECOVERY_ACTION_DRAIN_AND_RESET:
      return "DRAIN_AND_RESET";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

GpuHealthBook::GpuHealthBook(const std::vector<std::string>& uuids,
                             const std::vector<std::string>& pci_bus_ids) {
  for (size_t i = 0; i < uuids.size(); ++i) {
    gpus_.push_back(model::GpuHealth{
        .uuid = uuids[i], .pci_bus_id = i < pci_bus_ids.size() ? pci_bus_ids[i] : ""});
  }
  counters_.resize(gpus_.size());
}

model::GpuHealth* GpuHealthBook::find(std::string_view uuid, Counters** counters) {
  for (size_t i = 0; i < gpus_.size(); ++i) {
    if (gpus_[i].uuid == uuid) {
      *counters = &counters_[i];
      return &gpus_[i];
    }
  }
  return nullptr;
}

bool GpuHealthBook::make_unhealthy(model::GpuHealth& gpu, std::string reason, std::string message,
                                   std::string action, double now) {
  if (!gpu.healthy()) return false;  // the first fault is the one to act on
  gpu.health_status = model::kGpuUnhealthy;
  gpu.reason = std::move(reason);
  gpu.message = std::move(message);
  gpu.action = std::move(action);
  gpu.changed_at = now;
  spdlog::warn("agent: GPU {} is unhealthy: {} ({})", gpu.uuid, gpu.message, gpu.action);
  return true;
}

bool GpuHealthBook::on_xid(std::string_view uuid, int xid, double now) {
  Counters* counters = nullptr;
  model::GpuHealth* gpu = find(uuid, &counters);
  if (!gpu) return false;
  XidEntry entry = classify_xid(xid);
  std::string message = "XID " + std::to_string(xid) + ": " + std::string(entry.description);
  if (xid == kContainedEccXid) counters->contained_ecc_since_poll = true;
  if (entry.kind == XidClass::kHardware) {
    gpu->last_xid = xid;
    make_unhealthy(*gpu, "XID_" + std::to_string(xid), std::move(message),
                   std::string(xid_action_name(entry.action)), now);
    return true;
  }
  spdlog::info("agent: GPU {} reported {} (an application error)", gpu->uuid, message);
  gpu->last_xid = xid;
  gpu->changed_at = now;
  if (gpu->healthy()) gpu->message = std::move(message);  // what the job controller reads
  return true;
}

bool GpuHealthBook::on_poll(std::string_view uuid, const GpuPoll& poll, double now) {
  Counters* counters = nullptr;
  model::GpuHealth* gpu = find(uuid, &counters);
  if (!gpu) return false;
  bool contained = std::exchange(counters->contained_ecc_since_poll, false);
  std::optional<uint64_t> before = counters->uncorrected_ecc;
  if (poll.uncorrected_ecc) counters->uncorrected_ecc = poll.uncorrected_ecc;
  if (poll.hardware_slowdown != std::exchange(counters->slowdown, poll.hardware_slowdown)) {
    spdlog::info("agent: GPU {} {} hardware slowdown", gpu->uuid,
                 poll.hardware_slowdown ? "is in" : "is out of");
  }
  if (!gpu->healthy()) return false;
  if (poll.lost) {
    return make_unhealthy(*gpu, "GPU_IS_LOST", "GPU is lost", "RESTART_BM", now);
  }
  if (poll.recovery_action != NVML_GPU_RECOVERY_ACTION_NONE) {
    std::string name(recovery_action_name(poll.recovery_action));
    return make_unhealthy(
        *gpu, "RECOVERY_ACTION_" + name, "the driver asks for a recovery action: " + name,
        poll.recovery_action == NVML_GPU_RECOVERY_ACTION_NODE_REBOOT ? "RESTART_BM" : "RESET_GPU",
        now);
  }
  if (poll.remap_pending) {
    return make_unhealthy(*gpu, "ROW_REMAP_PENDING",
                          "memory rows are waiting to be remapped at the next GPU reset",
                          "RESET_GPU", now);
  }
  if (before && poll.uncorrected_ecc && *poll.uncorrected_ecc > *before && !contained) {
    return make_unhealthy(*gpu, "ECC_UNCORRECTED",
                          "uncorrectable ECC errors: " + std::to_string(*poll.uncorrected_ecc),
                          "RESET_GPU", now);
  }
  return false;
}

bool GpuHealthBook::hold_out(std::string_view uuid, std::string message, double now) {
  Counters* counters = nullptr;
  model::GpuHealth* gpu = find(uuid, &counters);
  if (!gpu) return false;
  return make_unhealthy(*gpu, "DIAGNOSTIC_FAILED", std::move(message), "RESET_GPU", now);
}

bool GpuHealthBook::forget_faults(std::string_view uuid, double now) {
  Counters* counters = nullptr;
  model::GpuHealth* gpu = find(uuid, &counters);
  if (!gpu || gpu->healthy()) return false;
  spdlog::info("agent: GPU {}: its fault ({}) is forgotten", gpu->uuid, gpu->message);
  gpu->health_status = model::kGpuHealthy;
  gpu->reason.clear();
  gpu->message.clear();
  gpu->action.clear();
  gpu->changed_at = now;
  return true;
}

}  // namespace gantry::agent::gpu
