#include "agent/gpu/gpu_inventory.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>

namespace gantry::agent::gpu {

namespace {

std::string device_string(const NvmlLibrary& nvml, NvmlSignatures::DeviceGetString get,
                          nvmlDevice_t device, unsigned size, const char* what) {
  std::string buffer(size, '\0');
  nvmlReturn_t code = get(device, buffer.data(), size);
  if (code != NVML_SUCCESS) throw std::runtime_error(what + (": " + nvml.error_text(code)));
  buffer.resize(buffer.find('\0'));
  return buffer;
}

}  // namespace

GpuInventory discover(const NvmlLibrary& nvml) {
  const NvmlFunctions& api = nvml.api();
  GpuInventory inventory;
  std::string version(NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE, '\0');
  if (nvmlReturn_t code = api.system_get_driver_version(version.data(), version.size());
      code != NVML_SUCCESS) {
    throw std::runtime_error("nvmlSystemGetDriverVersion: " + nvml.error_text(code));
  }
  inventory.driver_version = version.substr(0, version.find('\0'));
  unsigned count = 0;
  if (nvmlReturn_t code = api.device_get_count(&count); code != NVML_SUCCESS) {
    throw std::runtime_error("nvmlDeviceGetCount_v2: " + nvml.error_text(code));
  }
  for (unsigned i = 0; i < count; ++i) {
    GpuDevice device;
    device.index = i;
    try {
      if (nvmlReturn_t code = api.device_get_handle_by_index(i, &device.handle);
          code != NVML_SUCCESS) {
        throw std::runtime_error("nvmlDeviceGetHandleByIndex_v2: " + nvml.error_text(code));
      }
      device.uuid = device_string(nvml, api.device_get_uuid, device.handle,
                                  NVML_DEVICE_UUID_V2_BUFFER_SIZE, "nvmlDeviceGetUUID");
    } catch (const std::exception& error) {
      spdlog::warn("agent: GPU {} is left out: {}", i, error.what());
      continue;
    }
    // The rest describes the GPU; a GPU that cannot say is still offered.
    try {
      device.name = device_string(nvml, api.device_get_name, device.handle,
                                  NVML_DEVICE_NAME_V2_BUFFER_SIZE, "nvmlDeviceGetName");
      nvmlMemory_t memory{};
      if (api.device_get_memory_info(device.handle, &memory) == NVML_SUCCESS) {
        device.memory_mib = static_cast<int64_t>(memory.total / (1024 * 1024));
      }
      nvmlPciInfo_t pci{};
      if (api.device_get_pci_info(device.handle, &pci) == NVML_SUCCESS) {
        device.pci_bus_id.assign(pci.busId, strnlen(pci.busId, sizeof pci.busId));
      }
    } catch (const std::exception& error) {
      spdlog::warn("agent: GPU {} ({}): {}", i, device.uuid, error.what());
    }
    inventory.devices.push_back(std::move(device));
  }
  return inventory;
}

std::vector<std::pair<std::string, std::string>> gpu_attributes(const GpuInventory& inventory) {
  std::vector<std::pair<std::string, std::string>> attributes;
  if (inventory.devices.empty()) return attributes;
  attributes.emplace_back("ecs.capability.nvidia-driver-version." + inventory.driver_version, "");
  attributes.emplace_back("gantry.gpu.driver-version", inventory.driver_version);
  if (!inventory.devices.front().name.empty()) {
    attributes.emplace_back("gantry.gpu.model", inventory.devices.front().name);
  }
  return attributes;
}

}  // namespace gantry::agent::gpu
