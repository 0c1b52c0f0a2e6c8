#pragma once
// Every GPU's health, from what NVML reports: XID events as they come and
// what a poll reads. Pure: the watcher feeds it, and reports what it holds
// whenever a call says that changed. A GPU found unhealthy stays so until
// its faults are forgotten: after a recovery that succeeded (a GPU reset,
// run by the operator's recovery command) or an operator's return of the GPU
// to service. A fault still there is found again by the next poll.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/gpu_health.h"

namespace gantry::agent::gpu {

// What one poll read of a GPU; a member NVML could not read stays unset.
struct GpuPoll {
  bool lost = false;                        // NVML_ERROR_GPU_IS_LOST
  std::optional<uint64_t> uncorrected_ecc;  // volatile, since the driver loaded
  bool remap_pending = false;               // rows to remap at the next reset
  unsigned recovery_action = 0;             // nvmlDeviceGpuRecoveryAction_t
  bool hardware_slowdown = false;           // not a fault: said in the log only
};

class GpuHealthBook {
 public:
  // `pci_bus_ids`, when given, in the order of `uuids`: what a fault names.
  explicit GpuHealthBook(const std::vector<std::string>& uuids,
                         const std::vector<std::string>& pci_bus_ids = {});

  // Each returns true when a GPU's health changed. `now` is epoch seconds.
  bool on_xid(std::string_view uuid, int xid, double now);
  bool on_poll(std::string_view uuid, const GpuPoll& poll, double now);
  // Holds a healthy GPU out of service: a diagnostic found it unhealthy
  // (reason DIAGNOSTIC_FAILED, `message` its answer) until forget_faults.
  bool hold_out(std::string_view uuid, std::string message, double now);
  // Makes the GPU healthy again; what it last raised (last_xid) stays.
  bool forget_faults(std::string_view uuid, double now);

  const std::vector<model::GpuHealth>& gpus() const { return gpus_; }

 private:
  struct Counters {
    std::optional<uint64_t> uncorrected_ecc;  // the last poll's
    bool contained_ecc_since_poll = false;    // XID 94 explains a rise
    bool slowdown = false;
  };
  model::GpuHealth* find(std::string_view uuid, Counters** counters);
  static bool make_unhealthy(model::GpuHealth& gpu, std::string reason, std::string message,
                             std::string action, double now);

  std::vector<model::GpuHealth> gpus_;
  std::vector<Counters> counters_;  // beside gpus_
};

}  // namespace gantry::agent::gpu
