#include "agent/gpu/gpu_watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gantry::agent::gpu {

namespace {

// XID 154: the driver changed the GPU's recovery action; the poll reads it.
constexpr int kRecoveryActionChangedXid = 154;
// The XID a double-bit ECC event stands for, when NVML sends that instead.
constexpr int kDoubleBitEccXid = 48;

std::vector<std::string> pci_bus_ids_of(const GpuInventory& inventory) {
  std::vector<std::string> ids;
  for (const auto& device : inventory.devices) ids.push_back(device.pci_bus_id);
  return ids;
}

std::vector<std::string> uuids_of(const GpuInventory& inventory) {
  std::vector<std::string> uuids;
  for (const auto& device : inventory.devices) uuids.push_back(device.uuid);
  return uuids;
}

}  // namespace

GpuWatcher::GpuWatcher(std::unique_ptr<NvmlLibrary> nvml, GpuInventory inventory,
                       const core::Clock& clock, Changed changed, GpuWatcherOptions options)
    : nvml_(std::move(nvml)),
      inventory_(std::move(inventory)),
      clock_(clock),
      changed_(std::move(changed)),
      options_(options),
      book_(uuids_of(inventory_), pci_bus_ids_of(inventory_)) {
  const NvmlFunctions& api = nvml_->api();
  if (nvmlReturn_t code = api.event_set_create(&events_); code != NVML_SUCCESS) {
    spdlog::warn("agent: no NVML events ({}); GPU health is polled only", nvml_->error_text(code));
    events_ = nullptr;
    return;
  }
  for (const auto& device : inventory_.devices) {
    unsigned long long supported = 0;
    nvmlReturn_t code = api.device_get_supported_event_types(device.handle, &supported);
    unsigned long long wanted =
        supported & (nvmlEventTypeXidCriticalError | nvmlEventTypeDoubleBitEccError);
    if (code == NVML_SUCCESS && wanted != 0) {
      code = api.device_register_events(device.handle, wanted, events_);
    }
    if (code != NVML_SUCCESS || wanted == 0) {
      spdlog::warn("agent: GPU {} delivers no XID events ({}); its health is polled only",
                   device.uuid, code != NVML_SUCCESS ? nvml_->error_text(code) : "not supported");
    }
  }
}

GpuWatcher::~GpuWatcher() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (events_) nvml_->api().event_set_free(events_);
}

void GpuWatcher::start() {
  thread_ = std::thread([this] {
    while (!stopping_) run_once(options_.event_wait);
  });
}

void GpuWatcher::run_once(std::chrono::milliseconds wait) {
  bool poll_now = false;
  take_events(wait, poll_now);
  core::SystemTime now = clock_.now();
  if (!poll_now && now < next_poll_) return;
  next_poll_ = now + options_.poll_interval;
  std::vector<const GpuDevice*> devices;
  for (const auto& device : inventory_.devices) devices.push_back(&device);
  bool changed = false;
  {
    std::lock_guard poll_lock(poll_mutex_);
    changed = poll_devices(devices, now);
  }
  if (changed) publish();
}

bool GpuWatcher::poll_devices(const std::vector<const GpuDevice*>& devices,
                              core::SystemTime now) {
  bool changed = false;
  for (const GpuDevice* device : devices) {
    GpuPoll read = poll(*device);
    std::lock_guard lock(mutex_);
    changed |= book_.on_poll(device->uuid, read, core::to_epoch_seconds(now));
  }
  return changed;
}

std::vector<model::GpuHealth> GpuWatcher::check_now(const std::vector<std::string>& uuids) {
  return recheck(uuids, false);
}

std::vector<model::GpuHealth> GpuWatcher::forget_faults(const std::vector<std::string>& uuids) {
  return recheck(uuids, true);
}

std::vector<model::GpuHealth> GpuWatcher::hold_out(const std::vector<std::string>& uuids,
                                                   const std::string& message) {
  std::vector<model::GpuHealth> before;
  {
    std::lock_guard poll_lock(poll_mutex_);
    before = health();
    double now = core::to_epoch_seconds(clock_.now());
    std::lock_guard lock(mutex_);
    for (const auto& uuid : uuids) book_.hold_out(uuid, message, now);
  }
  std::vector<model::GpuHealth> after = health();
  if (after != before) publish();
  return after;
}

std::vector<model::GpuHealth> GpuWatcher::recheck(const std::vector<std::string>& uuids,
                                                  bool forget) {
  std::vector<const GpuDevice*> devices;
  for (const auto& device : inventory_.devices) {
    if (std::find(uuids.begin(), uuids.end(), device.uuid) != uuids.end()) {
      devices.push_back(&device);
    }
  }
  std::vector<model::GpuHealth> before;
  {
    std::lock_guard poll_lock(poll_mutex_);
    before = health();
    core::SystemTime now = clock_.now();
    if (forget) {
      std::lock_guard lock(mutex_);
      for (const GpuDevice* device : devices) {
        book_.forget_faults(device->uuid, core::to_epoch_seconds(now));
      }
    }
    poll_devices(devices, now);
  }
  std::vector<model::GpuHealth> after = health();
  if (after != before) publish();
  return after;
}

void GpuWatcher::take_events(std::chrono::milliseconds wait, bool& poll_now) {
  if (!events_) {
    if (wait.count() > 0) std::this_thread::sleep_for(wait);  // the poll's pace
    return;
  }
  const NvmlFunctions& api = nvml_->api();
  bool changed = false;
  // The first wait blocks; those after it only drain what came meanwhile.
  for (auto timeout = wait;; timeout = std::chrono::milliseconds(0)) {
    nvmlEventData_t event{};
    nvmlReturn_t code = api.event_set_wait(events_, &event, static_cast<unsigned>(timeout.count()));
    if (code == NVML_ERROR_TIMEOUT) break;
    if (code != NVML_SUCCESS) {
      // A GPU lost while waiting (NVML_ERROR_GPU_IS_LOST) and the like: the
      // poll finds out which.
      poll_now = true;
      if (timeout.count() > 0) std::this_thread::sleep_for(timeout);
      break;
    }
    const GpuDevice* device = device_of(event.device);
    if (!device) continue;
    int xid = event.eventType == nvmlEventTypeDoubleBitEccError ? kDoubleBitEccXid
                                                                : static_cast<int>(event.eventData);
    if (xid == kRecoveryActionChangedXid) poll_now = true;
    std::lock_guard lock(mutex_);
    changed |= book_.on_xid(device->uuid, xid, core::to_epoch_seconds(clock_.now()));
  }
  if (changed) publish();
}

GpuPoll GpuWatcher::poll(const GpuDevice& device) const {
  const NvmlFunctions& api = nvml_->api();
  GpuPoll read;
  // Any call on a GPU that fell off the bus answers GPU_IS_LOST.
  nvmlMemory_t memory{};
  if (api.device_get_memory_info(device.handle, &memory) == NVML_ERROR_GPU_IS_LOST) {
    read.lost = true;
    return read;
  }
  if (api.device_get_total_ecc_errors) {
    unsigned long long count = 0;
    if (api.device_get_total_ecc_errors(device.handle, NVML_MEMORY_ERROR_TYPE_UNCORRECTED,
                                        NVML_VOLATILE_ECC, &count) == NVML_SUCCESS) {
      read.uncorrected_ecc = count;
    }
  }
  if (api.device_get_remapped_rows) {
    unsigned corrected = 0, uncorrected = 0, pending = 0, failed = 0;
    if (api.device_get_remapped_rows(device.handle, &corrected, &uncorrected, &pending, &failed) ==
        NVML_SUCCESS) {
      read.remap_pending = pending != 0;
    }
  }
  if (api.device_get_field_values) {
    nvmlFieldValue_t field{};
    field.fieldId = NVML_FI_DEV_GET_GPU_RECOVERY_ACTION;
    if (api.device_get_field_values(device.handle, 1, &field) == NVML_SUCCESS &&
        field.nvmlReturn == NVML_SUCCESS) {
      read.recovery_action = field.value.uiVal;
    }
  }
  if (api.device_get_clocks_event_reasons) {
    unsigned long long reasons = 0;
    if (api.device_get_clocks_event_reasons(device.handle, &reasons) == NVML_SUCCESS) {
      read.hardware_slowdown =
          (reasons & (nvmlClocksEventReasonHwSlowdown | nvmlClocksEventReasonHwThermalSlowdown |
                      nvmlClocksEventReasonHwPowerBrakeSlowdown)) != 0;
    }
  }
  return read;
}

const GpuDevice* GpuWatcher::device_of(nvmlDevice_t handle) const {
  for (const auto& device : inventory_.devices) {
    if (device.handle == handle) return &device;
  }
  return nullptr;
}

std::vector<model::GpuHealth> GpuWatcher::health() const {
  std::lock_guard lock(mutex_);
  return book_.gpus();
}

void GpuWatcher::publish() {
  std::lock_guard lock(publish_mutex_);
  changed_(health());
}

}  // namespace gantry::agent::gpu
