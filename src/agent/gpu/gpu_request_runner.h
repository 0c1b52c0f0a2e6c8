#pragma once
// The agent's side of the control plane's GPU requests (model/gpu_requests):
// each request id run once, in order, on a worker thread of its own (a
// command may run for minutes; the agent's io thread never waits on one),
// and the results of the last few hundred remembered, so that a request the
// control plane lists again is answered again without being run again.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/gpu_health.h"
#include "model/gpu_requests.h"

namespace gantry::agent::gpu {

struct GpuRequestOptions {
  std::string diagnostic_command;  // empty: the built-in NVML check
  std::string recovery_command;    // empty: an operator returns the GPU
  std::chrono::milliseconds command_timeout{std::chrono::minutes(10)};
  size_t remembered = 256;  // results kept to answer a request listed again
};

// What a request does to the GPUs' health (the agent's GpuWatcher does it):
// each returns every GPU's health after it, and publishes what changed.
struct GpuHealthActions {
  // Polls these GPUs now; none: reads the health only.
  std::function<std::vector<model::GpuHealth>(const std::vector<std::string>&)> check_now;
  // Forgets the faults held for these GPUs, then polls them now.
  std::function<std::vector<model::GpuHealth>(const std::vector<std::string>&)> forget_faults;
  // Holds these GPUs out of service: a diagnostic found them unhealthy.
  std::function<std::vector<model::GpuHealth>(const std::vector<std::string>&,
                                              const std::string& message)>
      hold_out;
};

struct GpuIdentity {
  std::string uuid;
  std::string pci_bus_id;  // empty when unknown
};

class GpuRequestRunner {
 public:
  // Called on the worker thread when a run ends.
  using Done = std::function<void(const model::GpuRequestResult&)>;

  // `gpus`: this instance's; a request naming another is refused.
  GpuRequestRunner(std::vector<GpuIdentity> gpus, GpuHealthActions actions,
                   GpuRequestOptions options, Done done);
  // Kills a command still running (its request is not answered: it runs
  // again when the agent starts again) and drops those queued.
  ~GpuRequestRunner();
  GpuRequestRunner(const GpuRequestRunner&) = delete;
  GpuRequestRunner& operator=(const GpuRequestRunner&) = delete;

  // Every request still open, as the control plane lists them. Queues the
  // ids never seen, and returns the results remembered for those run
  // already, to send again; one queued or running is answered by `done`.
  std::vector<model::GpuRequestResult> offer(const std::vector<model::GpuRequest>& requests);

 private:
  void work();
  model::GpuRequestResult run(const model::GpuRequest& request);
  model::GpuRequestResult diagnose(const model::GpuRequest& request);
  model::GpuRequestResult recover(const model::GpuRequest& request);
  std::vector<model::GpuHealth> hold_out(const std::vector<std::string>& gpus,
                                         const std::string& message);
  // Runs an operator's command on the request's GPUs; false when it did not
  // exit 0, with `result` saying why.
  bool run_command(const std::string& command, const model::GpuRequest& request,
                   model::GpuRequestResult& result);
  void remember(const model::GpuRequestResult& result);

  const std::vector<GpuIdentity> gpus_;
  const GpuHealthActions actions_;
  const GpuRequestOptions options_;
  const Done done_;

  std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::deque<model::GpuRequest> queue_;
  std::set<std::string> pending_;  // the ids queued or running
  std::map<std::string, model::GpuRequestResult> results_;
  std::deque<std::string> order_;  // results_' ids, oldest first
  bool stopping_ = false;

  int cancel_[2] = {-1, -1};  // a pipe: written to stop a command at once
  std::thread thread_;
};

}  // namespace gantry::agent::gpu
