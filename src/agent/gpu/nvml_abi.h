#pragma once
// The part of NVML's C ABI gantry uses, declared here because Debian ships
// no nvml.h: the types, constants and function signatures as NVIDIA's
// nvml.h (R550) defines them. The agent resolves the functions at run time
// with dlopen (agent/gpu/nvml_library); the fake NVML the tests use
// (tests/fake_nvml) exports them under these names.
#include <cstdint>

extern "C" {

using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
using nvmlEventSet_t = struct nvmlEventSet_st*;

inline constexpr nvmlReturn_t NVML_SUCCESS = 0;
inline constexpr nvmlReturn_t NVML_ERROR_UNINITIALIZED = 1;
inline constexpr nvmlReturn_t NVML_ERROR_INVALID_ARGUMENT = 2;
inline constexpr nvmlReturn_t NVML_ERROR_NOT_SUPPORTED = 3;
inline constexpr nvmlReturn_t NVML_ERROR_INSUFFICIENT_SIZE = 7;
inline constexpr nvmlReturn_t NVML_ERROR_DRIVER_NOT_LOADED = 9;
inline constexpr nvmlReturn_t NVML_ERROR_TIMEOUT = 10;
inline constexpr nvmlReturn_t NVML_ERROR_GPU_IS_LOST = 15;
inline constexpr nvmlReturn_t NVML_ERROR_UNKNOWN = 999;

inline constexpr unsigned NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96;
inline constexpr unsigned NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96;
inline constexpr unsigned NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80;
inline constexpr unsigned NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE = 32;
inline constexpr unsigned NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE = 16;

// nvmlEventType*: the events a device can deliver to an event set.
inline constexpr unsigned long long nvmlEventTypeSingleBitEccError = 0x1ULL;
inline constexpr unsigned long long nvmlEventTypeDoubleBitEccError = 0x2ULL;
inline constexpr unsigned long long nvmlEventTypeXidCriticalError = 0x8ULL;

// nvmlMemoryErrorType_t and nvmlEccCounterType_t.
inline constexpr int NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1;
inline constexpr int NVML_VOLATILE_ECC = 0;

// nvmlClocksEventReason*: the hardware slowdowns.
inline constexpr unsigned long long nvmlClocksEventReasonHwSlowdown = 0x8ULL;
inline constexpr unsigned long long nvmlClocksEventReasonHwThermalSlowdown = 0x40ULL;
inline constexpr unsigned long long nvmlClocksEventReasonHwPowerBrakeSlowdown = 0x80ULL;

// The field whose value is the driver's nvmlDeviceGpuRecoveryAction_t.
inline constexpr unsigned NVML_FI_DEV_GET_GPU_RECOVERY_ACTION = 230;
inline constexpr unsigned NVML_GPU_RECOVERY_ACTION_NONE = 0;
inline constexpr unsigned NVML_GPU_RECOVERY_ACTION_GPU_RESET = 1;
inline constexpr unsigned NVML_GPU_RECOVERY_ACTION_NODE_REBOOT = 2;
inline constexpr unsigned NVML_GPU_RECOVERY_ACTION_DRAIN_P2P = 3;
inline constexpr unsigned NVML_GPU_RECOVERY_ACTION_DRAIN_AND_RESET = 4;

struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct nvmlPciInfo_t {
  char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
};

struct nvmlEventData_t {
  nvmlDevice_t device;
  unsigned long long eventType;
  unsigned long long eventData;  // the XID, for nvmlEventTypeXidCriticalError
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

union nvmlValue_t {
  double dVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  signed long long sllVal;
  signed int siVal;
  unsigned short usVal;
};

struct nvmlFieldValue_t {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;
  long long latencyUsec;
  int valueType;
  nvmlReturn_t nvmlReturn;
  nvmlValue_t value;
};

}  // extern "C"

namespace gantry::agent::gpu {

// The signatures, for the function pointers dlsym returns.
struct NvmlSignatures {
  using Init = nvmlReturn_t (*)();
  using Shutdown = nvmlReturn_t (*)();
  using ErrorString = const char* (*)(nvmlReturn_t);
  using SystemGetDriverVersion = nvmlReturn_t (*)(char*, unsigned int);
  using DeviceGetCount = nvmlReturn_t (*)(unsigned int*);
  using DeviceGetHandleByIndex = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
  using DeviceGetString = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
  using DeviceGetMemoryInfo = nvmlReturn_t (*)(nvmlDevice_t, nvmlMemory_t*);
  using DeviceGetPciInfo = nvmlReturn_t (*)(nvmlDevice_t, nvmlPciInfo_t*);
  using DeviceGetSupportedEventTypes = nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*);
  using DeviceRegisterEvents = nvmlReturn_t (*)(nvmlDevice_t, unsigned long long, nvmlEventSet_t);
  using EventSetCreate = nvmlReturn_t (*)(nvmlEventSet_t*);
  using EventSetWait = nvmlReturn_t (*)(nvmlEventSet_t, nvmlEventData_t*, unsigned int);
  using EventSetFree = nvmlReturn_t (*)(nvmlEventSet_t);
  using DeviceGetTotalEccErrors = nvmlReturn_t (*)(nvmlDevice_t, int, int, unsigned long long*);
  using DeviceGetRemappedRows = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, unsigned int*,
                                                 unsigned int*, unsigned int*);
  using DeviceGetClocksEventReasons = nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*);
  using DeviceGetFieldValues = nvmlReturn_t (*)(nvmlDevice_t, int, nvmlFieldValue_t*);
};

}  // namespace gantry::agent::gpu
