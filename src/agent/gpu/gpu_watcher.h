#pragma once
// One watcher per agent: a thread that waits on NVML's XID and ECC events
// and polls what the driver reports every poll interval, keeping a
// GpuHealthBook. Each change reaches `changed` at once, with every GPU's
// health: on the watcher's thread, or on the thread of a check_now() or
// forget_faults() call.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/gpu/gpu_health_book.h"
#include "agent/gpu/gpu_inventory.h"
#include "agent/gpu/nvml_library.h"
#include "core/clock.h"

namespace gantry::agent::gpu {

struct GpuWatcherOptions {
  std::chrono::milliseconds poll_interval{2000};
  // How long one wait for events lasts: the bound on how late a stop is.
  std::chrono::milliseconds event_wait{250};
};

class GpuWatcher {
 public:
  using Changed = std::function<void(std::vector<model::GpuHealth>)>;

  // Registers for the events of every GPU in `inventory`; a GPU that cannot
  // deliver them is watched by polls alone.
  GpuWatcher(std::unique_ptr<NvmlLibrary> nvml, GpuInventory inventory, const core::Clock& clock,
             Changed changed, GpuWatcherOptions options = {});
  ~GpuWatcher();  // stops the thread
  GpuWatcher(const GpuWatcher&) = delete;
  GpuWatcher& operator=(const GpuWatcher&) = delete;

  void start();
  // One round, as the thread runs it: waits up to `wait` for events, and
  // polls every GPU when the poll is due (or an event asked for one).
  void run_once(std::chrono::milliseconds wait);
  std::vector<model::GpuHealth> health() const;
  // Polls these GPUs now (not at the next round), on the caller's thread,
  // and publishes what changed; a UUID not watched is skipped. Returns every
  // GPU's health after it. A fault held stays: a poll does not forget it.
  std::vector<model::GpuHealth> check_now(const std::vector<std::string>& uuids);
  // Forgets the faults held for these GPUs (a reset or an operator cleared
  // them), then as check_now(): a fault still there is found again at once.
  std::vector<model::GpuHealth> forget_faults(const std::vector<std::string>& uuids);
  // Holds these GPUs out of service (GpuHealthBook::hold_out) and publishes
  // what changed; returns every GPU's health after it.
  std::vector<model::GpuHealth> hold_out(const std::vector<std::string>& uuids,
                                         const std::string& message);

 private:
  void take_events(std::chrono::milliseconds wait, bool& poll_now);
  GpuPoll poll(const GpuDevice& device) const;
  const GpuDevice* device_of(nvmlDevice_t handle) const;
  // Under poll_mutex_: reads the GPUs and enters what it read.
  bool poll_devices(const std::vector<const GpuDevice*>& devices, core::SystemTime now);
  std::vector<model::GpuHealth> recheck(const std::vector<std::string>& uuids, bool forget);
  void publish();

  std::unique_ptr<NvmlLibrary> nvml_;
  GpuInventory inventory_;
  const core::Clock& clock_;
  Changed changed_;
  GpuWatcherOptions options_;
  nvmlEventSet_t events_ = nullptr;
  core::SystemTime next_poll_{};
  // One poll at a time: a poll read before a reset cannot be entered after
  // the fresh one a request made, undoing it.
  std::mutex poll_mutex_;
  mutable std::mutex mutex_;  // guards book_
  // A publish reads the book and hands it on in one step, so that a report
  // from one thread never overtakes a later one from another.
  std::mutex publish_mutex_;
  GpuHealthBook book_;
  std::atomic<bool> stopping_ = false;
  std::thread thread_;
};

}  // namespace gantry::agent::gpu
