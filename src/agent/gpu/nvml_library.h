#pragma once
// NVML, loaded at run time: the agent runs on machines without NVIDIA's
// driver, so it never links libnvidia-ml. open() dlopens the library,
// resolves the versioned symbols gantry calls and initializes it; the
// destructor shuts it down.
#include <memory>
#include <string>

#include "agent/gpu/nvml_abi.h"

namespace gantry::agent::gpu {

inline constexpr const char* kDefaultNvmlLibrary = "libnvidia-ml.so.1";

struct NvmlFunctions {
  NvmlSignatures::Init init = nullptr;  // nvmlInit_v2
  NvmlSignatures::Shutdown shutdown = nullptr;
  NvmlSignatures::ErrorString error_string = nullptr;
  NvmlSignatures::SystemGetDriverVersion system_get_driver_version = nullptr;
  NvmlSignatures::DeviceGetCount device_get_count = nullptr;                    // _v2
  NvmlSignatures::DeviceGetHandleByIndex device_get_handle_by_index = nullptr;  // _v2
  NvmlSignatures::DeviceGetString device_get_uuid = nullptr;
  NvmlSignatures::DeviceGetString device_get_name = nullptr;
  NvmlSignatures::DeviceGetMemoryInfo device_get_memory_info = nullptr;
  NvmlSignatures::DeviceGetPciInfo device_get_pci_info = nullptr;  // _v3
  NvmlSignatures::DeviceGetSupportedEventTypes device_get_supported_event_types = nullptr;
  NvmlSignatures::DeviceRegisterEvents device_register_events = nullptr;
  NvmlSignatures::EventSetCreate event_set_create = nullptr;
  NvmlSignatures::EventSetWait event_set_wait = nullptr;  // _v2
  NvmlSignatures::EventSetFree event_set_free = nullptr;
  // Optional: older drivers lack them, and health polls without them.
  NvmlSignatures::DeviceGetTotalEccErrors device_get_total_ecc_errors = nullptr;
  NvmlSignatures::DeviceGetRemappedRows device_get_remapped_rows = nullptr;
  NvmlSignatures::DeviceGetClocksEventReasons device_get_clocks_event_reasons = nullptr;
  NvmlSignatures::DeviceGetFieldValues device_get_field_values = nullptr;
};

class NvmlLibrary {
 public:
  // Throws std::runtime_error saying why NVML is unusable: the library is
  // missing, lacks a required symbol, or nvmlInit_v2 failed.
  static std::unique_ptr<NvmlLibrary> open(const std::string& path);
  ~NvmlLibrary();
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;

  const NvmlFunctions& api() const { return api_; }
  // NVML's own text for a return code, with the code.
  std::string error_text(nvmlReturn_t code) const;

 private:
  explicit NvmlLibrary(void* handle) : handle_(handle) {}

  void* handle_;
  NvmlFunctions api_;
};

}  // namespace gantry::agent::gpu
