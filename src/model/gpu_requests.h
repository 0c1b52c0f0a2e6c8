#pragma once
// What the control plane asks of an instance's GPUs, and the answers: the
// agent channel's "gpuRequests" (server -> agent: every request still open
// for the instance, sent on every connect and every change, so that a
// request outlives a restart of either end) and "gpuRequestResult" (agent ->
// server, once per request run; the agent answers a request it has run
// again from what it remembers rather than run it twice).
//
// server -> agent: {"type": "gpuRequests", "requests": [{"id", "kind", "gpus": [uuid],
//                   "message"?}]}
// agent -> server: {"type": "gpuRequestResult", "id", "kind", "ok", "exitCode"?,
//                   "output", "gpus": [gpuHealth documents, after the request]}
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/gpu_health.h"

namespace gantry::model {

// diagnose: the operator's diagnostic (the agent's --gpu-diagnostic-command),
//   else a fresh NVML check of the GPUs; ok: they are healthy.
// recover:  the operator's recovery (--gpu-recovery-command: a GPU reset, a
//   reboot hook), then the faults the agent held are forgotten and the GPUs
//   checked afresh; ok: the command ran, exited 0, and they check healthy.
// return:   the operator returns the GPUs to service (ReturnGpusToService):
//   the faults held are forgotten and the GPUs checked afresh; ok: healthy.
// hold:     a diagnostic the control plane ran (a task) found the GPUs
//   unhealthy: the agent holds them out of service as a fault
//   (DIAGNOSTIC_FAILED, the request's message), which a recovery or a
//   return forgets; ok: held. A failed diagnose holds them so by itself.
inline constexpr std::string_view kGpuDiagnose = "diagnose";
inline constexpr std::string_view kGpuRecover = "recover";
inline constexpr std::string_view kGpuReturn = "return";
inline constexpr std::string_view kGpuHold = "hold";

struct GpuRequest {
  std::string id;  // unique for ever: the agent runs each id once
  std::string kind;
  std::vector<std::string> gpus;  // UUIDs, at least one
  std::string message;            // a hold's: why (a diagnostic's answer); else empty
  bool operator==(const GpuRequest&) const = default;
};

struct GpuRequestResult {
  std::string id;
  std::string kind;
  bool ok = false;
  std::optional<int> exit_code;  // the operator's command's, when one ran
  std::string output;            // its last output (at most kGpuRequestOutputBytes), or why
  std::vector<GpuHealth> gpus;   // every GPU of the instance after the request
  bool operator==(const GpuRequestResult&) const = default;
};

inline constexpr size_t kGpuRequestOutputBytes = 4096;

bool known_gpu_request_kind(std::string_view kind);

boost::json::object gpu_request_document(const GpuRequest& request);
// Throws std::runtime_error for a document of another shape.
GpuRequest gpu_request_from(const boost::json::object& document);

boost::json::object gpu_requests_message(const std::vector<GpuRequest>& requests);
std::vector<GpuRequest> parse_gpu_requests(const boost::json::object& message);

boost::json::object gpu_request_result_message(const GpuRequestResult& result);
GpuRequestResult parse_gpu_request_result(const boost::json::object& message);

}  // namespace gantry::model
