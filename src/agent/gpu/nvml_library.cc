#include "agent/gpu/nvml_library.h"

#include <dlfcn.h>

#include <stdexcept>

namespace gantry::agent::gpu {

namespace {

template <typename Function>
void resolve(void* handle, const char* symbol, Function& out, bool required) {
  out = reinterpret_cast<Function>(dlsym(handle, symbol));
  if (!out && required) {
    throw std::runtime_error(std::string("NVML has no ") + symbol + " (driver too old?)");
  }
}

}  // namespace

std::unique_ptr<NvmlLibrary> NvmlLibrary::open(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error("cannot load " + path + ": " + dlerror());
  std::unique_ptr<NvmlLibrary> library(new NvmlLibrary(handle));
  NvmlFunctions& api = library->api_;
  resolve(handle, "nvmlInit_v2", api.init, true);
  resolve(handle, "nvmlShutdown", api.shutdown, true);
  resolve(handle, "nvmlErrorString", api.error_string, true);
  resolve(handle, "nvmlSystemGetDriverVersion", api.system_get_driver_version, true);
  resolve(handle, "nvmlDeviceGetCount_v2", api.device_get_count, true);
  resolve(handle, "nvmlDeviceGetHandleByIndex_v2", api.device_get_handle_by_index, true);
  resolve(handle, "nvmlDeviceGetUUID", api.device_get_uuid, true);
  resolve(handle, "nvmlDeviceGetName", api.device_get_name, true);
  resolve(handle, "nvmlDeviceGetMemoryInfo", api.device_get_memory_info, true);
  resolve(handle, "nvmlDeviceGetPciInfo_v3", api.device_get_pci_info, true);
  resolve(handle, "nvmlDeviceGetSupportedEventTypes", api.device_get_supported_event_types, true);
  resolve(handle, "nvmlDeviceRegisterEvents", api.device_register_events, true);
  resolve(handle, "nvmlEventSetCreate", api.event_set_create, true);
  resolve(handle, "nvmlEventSetWait_v2", api.event_set_wait, true);
  resolve(handle, "nvmlEventSetFree", api.event_set_free, true);
  resolve(handle, "nvmlDeviceGetTotalEccErrors", api.device_get_total_ecc_errors, false);
  resolve(handle, "nvmlDeviceGetRemappedRows", api.device_get_remapped_rows, false);
  resolve(handle, "nvmlDeviceGetCurrentClocksEventReasons", api.device_get_clocks_event_reasons,
          false);
  if (!api.device_get_clocks_event_reasons) {  // its name before R535
    resolve(handle, "nvmlDeviceGetCurrentClocksThrottleReasons",
            api.device_get_clocks_event_reasons, false);
  }
  resolve(handle, "nvmlDeviceGetFieldValues", api.device_get_field_values, false);
  if (nvmlReturn_t code = api.init(); code != NVML_SUCCESS) {
    std::string why = library->error_text(code);
    api.shutdown = nullptr;  // nothing to shut down
    throw std::runtime_error("nvmlInit_v2 failed: " + why);
  }
  return library;
}

NvmlLibrary::~NvmlLibrary() {
  if (api_.shutdown) api_.shutdown();
  dlclose(handle_);
}

std::string NvmlLibrary::error_text(nvmlReturn_t code) const {
  const char* text = api_.error_string ? api_.error_string(code) : nullptr;
  return std::string(text ? text : "unknown error") + " (" + std::to_string(code) + ")";
}

}  // namespace gantry::agent::gpu
