// A fake libnvidia-ml: the NVML functions gantry calls, exported under their
// real names, answering from the JSON file named by $GANTRY_FAKE_NVML. The
// agent's GPU tests load it in place of libnvidia-ml.so.1, through the same
// dlopen path as the real library, so nothing in src/ knows it exists.
//
// The file is re-read on every call: a test injects a fault (an XID, a lost
// GPU, a pending row remap) by rewriting it while the agent runs. A file
// that does not parse (a test caught mid-write) leaves the last good parse
// in force. Format, every GPU field but uuid optional:
//
//   {"driver_version": "550.54.15",
//    "gpus": [{"uuid": "GPU-...", "name": "NVIDIA H100 80GB HBM3",
//              "memory_mib": 81559, "pci_bus_id": "00000000:18:00.0",
//              "lost": false, "xids": [79], "uncorrected_ecc": 0,
//              "pending_remapped_rows": false, "recovery_action": 0,
//              "hw_slowdown": false}]}
//
// GPU i's pci_bus_id defaults to 00000000:<i+1, two hex digits>:00.0.
//
// "xids" is append-only: each event set delivers every XID listed for a GPU
// once, remembering per GPU uuid how many it has delivered, so a test
// raises a new XID by appending it.
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/gpu/nvml_abi.h"

// The functions NVML exports, under its names.
#define FAKE_NVML_EXPORT extern "C"

namespace {

// More GPUs than any machine has; handles point into a static array so
// that they stay valid, and distinct, for the life of the process.
constexpr unsigned kMaxGpus = 64;

constexpr unsigned long long kSupportedEvents =
    nvmlEventTypeSingleBitEccError | nvmlEventTypeDoubleBitEccError | nvmlEventTypeXidCriticalError;

struct Gpu {
  std::string uuid;
  std::string name = "NVIDIA H100 80GB HBM3";
  std::uint64_t memory_mib = 81559;
  std::string pci_bus_id;
  bool lost = false;
  std::vector<unsigned long long> xids;
  std::uint64_t uncorrected_ecc = 0;
  bool pending_remapped_rows = false;
  unsigned recovery_action = 0;
  bool hw_slowdown = false;
};

struct Config {
  std::string driver_version = "550.54.15";
  std::vector<Gpu> gpus;
};

}  // namespace

// The opaque NVML handle types, defined here: a device is its index, an
// event set what it watches and what it has delivered.
struct nvmlDevice_st {
  unsigned index;
};

struct nvmlEventSet_st {
  std::map<unsigned, unsigned long long> watched;  // device index -> event types
  std::map<std::string, std::size_t> delivered;    // GPU uuid -> XIDs delivered
};

namespace {

std::array<nvmlDevice_st, kMaxGpus> g_devices = [] {
  std::array<nvmlDevice_st, kMaxGpus> devices{};
  for (unsigned i = 0; i < kMaxGpus; ++i) devices[i].index = i;
  return devices;
}();

struct State {
  int init_count = 0;  // nvmlInit_v2 and nvmlShutdown nest, as in NVML
  std::string path;    // the file last_good came from
  std::optional<Config> last_good;
  std::set<nvmlEventSet_st*> event_sets;  // the live ones
};

// Guards g_state. The agent waits for events on one thread and polls on
// another; the wait never sleeps holding it.
std::mutex g_mutex;
State g_state;

// These throw on a field of the wrong type; parse_config turns that into
// "does not parse".
std::string string_field(const boost::json::object& object, const char* key, std::string fallback) {
  const boost::json::value* value = object.if_contains(key);
  return value ? std::string(value->as_string()) : fallback;
}

template <typename Number>
Number number_field(const boost::json::object& object, const char* key, Number fallback) {
  const boost::json::value* value = object.if_contains(key);
  return value ? value->to_number<Number>() : fallback;
}

bool bool_field(const boost::json::object& object, const char* key) {
  const boost::json::value* value = object.if_contains(key);
  return value ? value->as_bool() : false;
}

std::optional<Config> parse_config(const std::string& text) {
  boost::system::error_code error;
  boost::json::value root = boost::json::parse(text, error);
  if (error) return std::nullopt;
  try {
    const boost::json::object& top = root.as_object();
    Config config;
    config.driver_version = string_field(top, "driver_version", config.driver_version);
    if (const boost::json::value* gpus = top.if_contains("gpus")) {
      for (const boost::json::value& entry : gpus->as_array()) {
        if (config.gpus.size() == kMaxGpus) break;
        const boost::json::object& object = entry.as_object();
        Gpu gpu;
        gpu.uuid = std::string(object.at("uuid").as_string());
        gpu.name = string_field(object, "name", gpu.name);
        gpu.memory_mib = number_field<std::uint64_t>(object, "memory_mib", gpu.memory_mib);
        char bus_id[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
        std::snprintf(bus_id, sizeof bus_id, "00000000:%02X:00.0",
                      unsigned(config.gpus.size() + 1));
        gpu.pci_bus_id = string_field(object, "pci_bus_id", bus_id);
        gpu.lost = bool_field(object, "lost");
        if (const boost::json::value* xids = object.if_contains("xids")) {
          for (const boost::json::value& xid : xids->as_array()) {
            gpu.xids.push_back(xid.to_number<unsigned long long>());
          }
        }
        gpu.uncorrected_ecc = number_field<std::uint64_t>(object, "uncorrected_ecc", 0);
        gpu.pending_remapped_rows = bool_field(object, "pending_remapped_rows");
        gpu.recovery_action = number_field<unsigned>(object, "recovery_action", 0);
        gpu.hw_slowdown = bool_field(object, "hw_slowdown");
        config.gpus.push_back(std::move(gpu));
      }
    }
    return config;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Re-reads the file into g_state.last_good; answers whether the file
// exists. A different path (a test process pointing at a new file) drops
// the old parse: its GPUs are not this file's.
bool refresh_locked() {
  const char* path = std::getenv("GANTRY_FAKE_NVML");
  if (!path) return false;
  if (g_state.path != path) {
    g_state.path = path;
    g_state.last_good.reset();
  }
  std::ifstream file(path);
  if (!file) return false;
  std::ostringstream text;
  text << file.rdbuf();
  if (std::optional<Config> config = parse_config(text.str())) {
    g_state.last_good = std::move(config);
  }
  return true;
}

const std::vector<Gpu>& gpus_locked() { return g_state.last_good->gpus; }

// The GPU a handle names, or null for a handle that is not one of ours or
// is beyond the current count. Compares addresses as integers: a foreign
// pointer is not an element of g_devices.
const Gpu* lookup_locked(nvmlDevice_t device) {
  auto address = reinterpret_cast<std::uintptr_t>(device);
  auto first = reinterpret_cast<std::uintptr_t>(g_devices.data());
  if (address < first || (address - first) % sizeof(nvmlDevice_st) != 0) return nullptr;
  std::uintptr_t index = (address - first) / sizeof(nvmlDevice_st);
  if (index >= gpus_locked().size()) return nullptr;
  return &gpus_locked()[index];
}

nvmlReturn_t copy_string(const std::string& text, char* buffer, unsigned int size) {
  if (!buffer) return NVML_ERROR_INVALID_ARGUMENT;
  if (text.size() + 1 > size) return NVML_ERROR_INSUFFICIENT_SIZE;
  std::memcpy(buffer, text.c_str(), text.size() + 1);
  return NVML_SUCCESS;
}

// Copies as much of text as fits, always terminated.
void copy_truncated(const std::string& text, char* buffer, std::size_t size) {
  std::size_t length = std::min(text.size(), size - 1);
  std::memcpy(buffer, text.data(), length);
  buffer[length] = '\0';
}

// Runs body under the lock once NVML is initialized and the file re-read;
// no exception leaves the C ABI.
template <typename Body>
nvmlReturn_t locked(Body&& body) {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_state.init_count == 0) return NVML_ERROR_UNINITIALIZED;
    refresh_locked();
    return body();
  } catch (const std::exception&) {
    return NVML_ERROR_UNKNOWN;
  }
}

// locked, for a call about one GPU: a lost GPU answers nothing else.
template <typename Body>
nvmlReturn_t with_gpu(nvmlDevice_t device, Body&& body) {
  return locked([&]() -> nvmlReturn_t {
    const Gpu* gpu = lookup_locked(device);
    if (!gpu) return NVML_ERROR_INVALID_ARGUMENT;
    if (gpu->lost) return NVML_ERROR_GPU_IS_LOST;
    return body(*gpu);
  });
}

// The next XID the set has not delivered, from the devices it watches for
// XIDs, lowest index first; records it as delivered.
bool next_xid_locked(nvmlEventSet_st& set, nvmlEventData_t* data) {
  const std::vector<Gpu>& gpus = gpus_locked();
  for (const auto& [index, types] : set.watched) {
    if (index >= gpus.size() || (types & nvmlEventTypeXidCriticalError) == 0) continue;
    const Gpu& gpu = gpus[index];
    std::size_t& delivered = set.delivered[gpu.uuid];
    if (delivered >= gpu.xids.size()) continue;
    *data = {};
    data->device = &g_devices[index];
    data->eventType = nvmlEventTypeXidCriticalError;
    data->eventData = gpu.xids[delivered++];
    data->gpuInstanceId = 0xFFFFFFFFu;  // not a MIG instance
    data->computeInstanceId = 0xFFFFFFFFu;
    return true;
  }
  return false;
}

}  // namespace

FAKE_NVML_EXPORT nvmlReturn_t nvmlInit_v2() {
  try {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!refresh_locked() || !g_state.last_good) return NVML_ERROR_DRIVER_NOT_LOADED;
    ++g_state.init_count;
    return NVML_SUCCESS;
  } catch (const std::exception&) {
    return NVML_ERROR_UNKNOWN;
  }
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlShutdown() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_state.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (--g_state.init_count == 0) {
    // NVML's teardown takes its event sets with it; a later nvmlEventSetFree
    // on one is refused, not a double free.
    for (nvmlEventSet_st* set : g_state.event_sets) delete set;
    g_state.event_sets.clear();
    g_state.last_good.reset();
    g_state.path.clear();
  }
  return NVML_SUCCESS;
}

FAKE_NVML_EXPORT const char* nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case NVML_SUCCESS:
      return "Success";
    case NVML_ERROR_UNINITIALIZED:
      return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT:
      return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED:
      return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE:
      return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED:
      return "Driver Not Loaded";
    case NVML_ERROR_TIMEOUT:
      return "Timeout";
    case NVML_ERROR_GPU_IS_LOST:
      return "GPU is lost";
    default:
      return "Unknown Error";
  }
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) {
  return locked([&] { return copy_string(g_state.last_good->driver_version, version, length); });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  return locked([&] {
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    *count = static_cast<unsigned int>(gpus_locked().size());
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index,
                                                            nvmlDevice_t* device) {
  return locked([&] {
    if (!device || index >= gpus_locked().size()) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &g_devices[index];
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid,
                                                unsigned int length) {
  return with_gpu(device, [&](const Gpu& gpu) { return copy_string(gpu.uuid, uuid, length); });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name,
                                                unsigned int length) {
  return with_gpu(device, [&](const Gpu& gpu) { return copy_string(gpu.name, name, length); });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) {
  return with_gpu(device, [&](const Gpu& gpu) {
    if (!memory) return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = gpu.memory_mib * 1024ULL * 1024ULL;
    memory->free = memory->total;
    memory->used = 0;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t* pci) {
  return with_gpu(device, [&](const Gpu& gpu) {
    if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
    *pci = {};
    copy_truncated(gpu.pci_bus_id, pci->busId, sizeof pci->busId);
    // The legacy form drops the domain's upper four digits: 0000:18:00.0.
    const std::string& id = gpu.pci_bus_id;
    copy_truncated(id.size() > 12 ? id.substr(id.size() - 12) : id, pci->busIdLegacy,
                   sizeof pci->busIdLegacy);
    unsigned domain = 0, bus = 0, slot = 0;
    if (std::sscanf(id.c_str(), "%x:%x:%x", &domain, &bus, &slot) == 3) {
      pci->domain = domain;
      pci->bus = bus;
      pci->device = slot;
    }
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device,
                                                               unsigned long long* types) {
  return with_gpu(device, [&](const Gpu&) {
    if (!types) return NVML_ERROR_INVALID_ARGUMENT;
    *types = kSupportedEvents;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device,
                                                       unsigned long long types,
                                                       nvmlEventSet_t set) {
  return with_gpu(device, [&](const Gpu&) {
    if (g_state.event_sets.count(set) == 0) return NVML_ERROR_INVALID_ARGUMENT;
    // As NVML: asking for a type the device cannot deliver is refused whole.
    if ((types & ~kSupportedEvents) != 0) return NVML_ERROR_NOT_SUPPORTED;
    set->watched[device->index] |= types;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t* set) {
  return locked([&] {
    if (!set) return NVML_ERROR_INVALID_ARGUMENT;
    *set = new nvmlEventSet_st;
    g_state.event_sets.insert(*set);
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t* data,
                                                  unsigned int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    // Looks up the set afresh each round: nvmlShutdown or nvmlEventSetFree
    // on the other thread may have ended it while this one slept.
    nvmlReturn_t result = locked([&] {
      if (!data || g_state.event_sets.count(set) == 0) return NVML_ERROR_INVALID_ARGUMENT;
      return next_xid_locked(*set, data) ? NVML_SUCCESS : NVML_ERROR_TIMEOUT;
    });
    if (result != NVML_ERROR_TIMEOUT) return result;
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return NVML_ERROR_TIMEOUT;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(10)));
  }
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
  return locked([&] {
    if (g_state.event_sets.erase(set) == 0) return NVML_ERROR_INVALID_ARGUMENT;
    delete set;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int error_type,
                                                          int counter_type,
                                                          unsigned long long* count) {
  return with_gpu(device, [&](const Gpu& gpu) {
    // nvmlMemoryErrorType_t and nvmlEccCounterType_t have two values each.
    if (!count || error_type < 0 || error_type > 1 || counter_type < 0 || counter_type > 1) {
      return NVML_ERROR_INVALID_ARGUMENT;
    }
    bool uncorrected_volatile =
        error_type == NVML_MEMORY_ERROR_TYPE_UNCORRECTED && counter_type == NVML_VOLATILE_ECC;
    *count = uncorrected_volatile ? gpu.uncorrected_ecc : 0;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t device,
                                                        unsigned int* corrected_rows,
                                                        unsigned int* uncorrected_rows,
                                                        unsigned int* is_pending,
                                                        unsigned int* failure_occurred) {
  return with_gpu(device, [&](const Gpu& gpu) {
    if (!corrected_rows || !uncorrected_rows || !is_pending || !failure_occurred) {
      return NVML_ERROR_INVALID_ARGUMENT;
    }
    *corrected_rows = 0;
    *uncorrected_rows = gpu.pending_remapped_rows ? 1 : 0;
    *is_pending = gpu.pending_remapped_rows ? 1 : 0;
    *failure_occurred = 0;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device,
                                                                     unsigned long long* reasons) {
  return with_gpu(device, [&](const Gpu& gpu) {
    if (!reasons) return NVML_ERROR_INVALID_ARGUMENT;
    *reasons = gpu.hw_slowdown ? nvmlClocksEventReasonHwSlowdown : 0;
    return NVML_SUCCESS;
  });
}

FAKE_NVML_EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int count,
                                                       nvmlFieldValue_t* values) {
  return with_gpu(device, [&](const Gpu& gpu) {
    if (count < 0 || (count > 0 && !values)) return NVML_ERROR_INVALID_ARGUMENT;
    auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    for (int i = 0; i < count; ++i) {
      nvmlFieldValue_t& value = values[i];
      value.timestamp = now;
      value.latencyUsec = 0;
      if (value.fieldId == NVML_FI_DEV_GET_GPU_RECOVERY_ACTION) {
        value.valueType = 1;  // NVML_VALUE_TYPE_UNSIGNED_INT
        value.value.uiVal = gpu.recovery_action;
        value.nvmlReturn = NVML_SUCCESS;
      } else {
        value.nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
      }
    }
    return NVML_SUCCESS;
  });
}
