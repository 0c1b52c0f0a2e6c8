#include "model/gpu_health.h"

#include <stdexcept>

#include "core/json_members.h"

namespace gantry::model {

namespace json = boost::json;

json::object gpu_health_document(const GpuHealth& gpu) {
  json::object out{{"uuid", gpu.uuid}, {"healthStatus", gpu.health_status}};
  if (!gpu.pci_bus_id.empty()) out["pciBusId"] = gpu.pci_bus_id;
  if (!gpu.reason.empty()) out["reason"] = gpu.reason;
  if (!gpu.message.empty()) out["message"] = gpu.message;
  if (!gpu.action.empty()) out["action"] = gpu.action;
  if (gpu.last_xid != 0) out["lastXid"] = gpu.last_xid;
  out["changedAt"] = gpu.changed_at;
  return out;
}

GpuHealth gpu_health_from(const json::object& document) {
  GpuHealth gpu;
  gpu.uuid = core::string_member(document, "uuid");
  if (gpu.uuid.empty()) throw std::runtime_error("a GPU's health names no uuid");
  gpu.health_status = core::string_member(document, "healthStatus");
  if (gpu.health_status != kGpuHealthy && gpu.health_status != kGpuUnhealthy) {
    throw std::runtime_error("GPU " + gpu.uuid + ": healthStatus is HEALTHY or UNHEALTHY");
  }
  gpu.pci_bus_id = core::string_member(document, "pciBusId");
  gpu.reason = core::string_member(document, "reason");
  gpu.message = core::string_member(document, "message");
  gpu.action = core::string_member(document, "action");
  gpu.last_xid = static_cast<int>(core::int_member(document, "lastXid", 0));
  if (auto* at = document.if_contains("changedAt"); at && at->is_number()) {
    gpu.changed_at = at->to_number<double>();
  }
  return gpu;
}

json::object gpu_health_message(const std::vector<GpuHealth>& gpus) {
  json::array list;
  for (const auto& gpu : gpus) list.push_back(gpu_health_document(gpu));
  return {{"type", "gpuHealth"}, {"gpus", std::move(list)}};
}

std::vector<GpuHealth> parse_gpu_health(const json::object& message) {
  if (core::string_member(message, "type") != "gpuHealth") {
    throw std::runtime_error("not a gpuHealth message");
  }
  const json::array* list = core::array_member(message, "gpus");
  if (!list) throw std::runtime_error("gpuHealth.gpus is not an array");
  std::vector<GpuHealth> gpus;
  for (const auto& item : *list) {
    if (!item.is_object()) throw std::runtime_error("a GPU's health is not an object");
    gpus.push_back(gpu_health_from(item.get_object()));
  }
  return gpus;
}

}  // namespace gantry::model
