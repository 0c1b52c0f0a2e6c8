#include "agent/gpu/gpu_request_runner.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "agent/gpu/gpu_command.h"

namespace gantry::agent::gpu {

namespace {

constexpr size_t kOutputLimit = model::kGpuRequestOutputBytes;

constexpr std::string_view kNoRecoveryCommand =
    "no --gpu-recovery-command: the GPU stays out of service until an operator returns it";

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

struct Verdict {
  bool healthy = true;  // every GPU named is
  std::string summary;  // "NVML: GPU-a healthy; GPU-b UNHEALTHY (XID_79: ...)"
};

Verdict verdict(const std::vector<std::string>& uuids,
                const std::vector<model::GpuHealth>& health) {
  Verdict out;
  std::string parts;
  for (const auto& uuid : uuids) {
    auto gpu = std::find_if(health.begin(), health.end(),
                            [&](const model::GpuHealth& g) { return g.uuid == uuid; });
    std::string part = uuid;
    if (gpu == health.end()) {
      out.healthy = false;
      part += " not watched (no NVML)";
    } else if (gpu->healthy()) {
      part += " healthy";
    } else {
      out.healthy = false;
      part += " " + gpu->health_status + " (" + gpu->reason + ": " + gpu->message + ")";
    }
    parts += (parts.empty() ? "" : "; ") + part;
  }
  out.summary = "NVML: " + parts;
  return out;
}

std::string seconds_text(std::chrono::milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(duration.count()) / 1000);
  return text;
}

}  // namespace

GpuRequestRunner::GpuRequestRunner(std::vector<GpuIdentity> gpus, GpuHealthActions actions,
                                   GpuRequestOptions options, Done done)
    : gpus_(std::move(gpus)),
      actions_(std::move(actions)),
      options_(std::move(options)),
      done_(std::move(done)) {
  if (::pipe2(cancel_, O_CLOEXEC) != 0) {
    // Unlikely; a command then runs to its end or its timeout at a stop.
    spdlog::warn("agent: no pipe to cancel GPU commands with");
    cancel_[0] = cancel_[1] = -1;
  }
  thread_ = std::thread([this] { work(); });
}

GpuRequestRunner::~GpuRequestRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (cancel_[1] >= 0) {
    char byte = 0;
    [[maybe_unused]] ssize_t written = ::write(cancel_[1], &byte, 1);
  }
  thread_.join();
  for (int fd : cancel_) {
    if (fd >= 0) ::close(fd);
  }
}

std::vector<model::GpuRequestResult> GpuRequestRunner::offer(
    const std::vector<model::GpuRequest>& requests) {
  std::vector<model::GpuRequestResult> again;
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& request : requests) {
      if (auto known = results_.find(request.id); known != results_.end()) {
        again.push_back(known->second);
      } else if (pending_.insert(request.id).second) {
        queue_.push_back(request);
        queued = true;
      }
    }
  }
  if (queued) wake_.notify_one();
  return again;
}

void GpuRequestRunner::work() {
  for (;;) {
    model::GpuRequest request;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
    }
    spdlog::info("agent: GPU request {}: {} {}", request.id, request.kind, joined(request.gpus));
    model::GpuRequestResult result;
    try {
      result = run(request);
    } catch (const std::exception& error) {
      result = {.id = request.id, .kind = request.kind, .ok = false, .output = error.what()};
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;  // cut short: not an answer
      pending_.erase(request.id);
      remember(result);
    }
    spdlog::info("agent: GPU request {} {}: {}", request.id, result.ok ? "succeeded" : "failed",
                 result.output);
    done_(result);
  }
}

void GpuRequestRunner::remember(const model::GpuRequestResult& result) {
  results_[result.id] = result;
  order_.push_back(result.id);
  while (order_.size() > options_.remembered) {
    results_.erase(order_.front());
    order_.pop_front();
  }
}

model::GpuRequestResult GpuRequestRunner::run(const model::GpuRequest& request) {
  for (const auto& uuid : request.gpus) {
    if (std::none_of(gpus_.begin(), gpus_.end(),
                     [&](const GpuIdentity& gpu) { return gpu.uuid == uuid; })) {
      return {.id = request.id,
              .kind = request.kind,
              .ok = false,
              .output = "this instance has no GPU " + uuid,
              .gpus = actions_.check_now({})};
    }
  }
  if (request.kind == model::kGpuDiagnose) return diagnose(request);
  if (request.kind == model::kGpuRecover) return recover(request);
  model::GpuRequestResult result{.id = request.id, .kind = request.kind};
  if (request.kind == model::kGpuHold) {
    result.gpus =
        hold_out(request.gpus,
                 request.message.empty() ? "a GPU diagnostic found it unhealthy" : request.message);
    result.ok = true;
    result.output = "held out of service: " + joined(request.gpus);
    return result;
  }
  if (request.kind != model::kGpuReturn) {
    result.output = "unknown GPU request kind " + request.kind;
    result.gpus = actions_.check_now({});
    return result;
  }
  result.gpus = actions_.forget_faults(request.gpus);
  Verdict after = verdict(request.gpus, result.gpus);
  result.ok = after.healthy;
  result.output = after.summary;
  return result;
}

model::GpuRequestResult GpuRequestRunner::diagnose(const model::GpuRequest& request) {
  model::GpuRequestResult result{.id = request.id, .kind = request.kind};
  if (options_.diagnostic_command.empty()) {
    // A fresh poll; a fault held (an XID) is not forgotten by it.
    result.gpus = actions_.check_now(request.gpus);
    Verdict now = verdict(request.gpus, result.gpus);
    result.ok = now.healthy;
    result.output = now.summary;
    return result;
  }
  result.ok = run_command(options_.diagnostic_command, request, result);
  if (result.ok) {
    result.gpus = actions_.check_now(request.gpus);
    return result;
  }
  // Out of service until a recovery or a return: the GPU checks healthy
  // again before anything runs on it.
  std::string first_line = result.output.substr(0, result.output.find('\n'));
  result.gpus = hold_out(
      request.gpus, "the GPU diagnostic failed" + (first_line.empty() ? "" : ": " + first_line));
  return result;
}

std::vector<model::GpuHealth> GpuRequestRunner::hold_out(const std::vector<std::string>& gpus,
                                                         const std::string& message) {
  return actions_.hold_out ? actions_.hold_out(gpus, message) : actions_.check_now(gpus);
}

model::GpuRequestResult GpuRequestRunner::recover(const model::GpuRequest& request) {
  model::GpuRequestResult result{.id = request.id, .kind = request.kind};
  if (options_.recovery_command.empty()) {
    result.output = kNoRecoveryCommand;
    result.gpus = actions_.check_now({});
    return result;
  }
  if (!run_command(options_.recovery_command, request, result)) {
    result.gpus = actions_.check_now(request.gpus);
    return result;
  }
  // The reset cleared what the book holds; what is still wrong shows now.
  result.gpus = actions_.forget_faults(request.gpus);
  Verdict after = verdict(request.gpus, result.gpus);
  result.ok = after.healthy;
  std::string separator =
      result.output.empty() || result.output.back() == '\n' ? "" : std::string("\n");
  result.output = output_tail(result.output + separator + after.summary, kOutputLimit);
  return result;
}

bool GpuRequestRunner::run_command(const std::string& command, const model::GpuRequest& request,
                                   model::GpuRequestResult& result) {
  std::vector<std::string> buses;
  for (const auto& uuid : request.gpus) {
    auto gpu = std::find_if(gpus_.begin(), gpus_.end(),
                            [&](const GpuIdentity& g) { return g.uuid == uuid; });
    buses.push_back(gpu->pci_bus_id);  // run() refused a GPU not in gpus_
  }
  const std::string uuids = joined(request.gpus);
  GpuCommandResult run = run_gpu_command(command,
                                         {{"GANTRY_GPU_UUIDS", uuids},
                                          {"NVIDIA_VISIBLE_DEVICES", uuids},
                                          {"GANTRY_GPU_PCI_BUS_IDS", joined(buses)}},
                                         options_.command_timeout, kOutputLimit, cancel_[0]);
  if (!run.error.empty()) {
    result.output = run.error;
    return false;
  }
  if (run.timed_out || run.cancelled) {
    std::string why = run.timed_out
                          ? "timed out after " + seconds_text(options_.command_timeout) + " s"
                          : std::string("cancelled: the agent is stopping");
    result.output = run.output.empty() || why.size() + 1 >= kOutputLimit
                        ? why
                        : why + "\n" + output_tail(run.output, kOutputLimit - why.size() - 1);
    return false;
  }
  result.exit_code = run.exit_code;
  result.output = run.output;
  return run.exit_code == 0;
}

}  // namespace gantry::agent::gpu
