#pragma once
// The operator's GPU commands (--gpu-diagnostic-command, --gpu-recovery-command):
// one shell command run to its end, or killed with every process it started.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gantry::agent::gpu {

struct GpuCommandResult {
  std::optional<int> exit_code;  // unset when it did not exit by itself; 128+N: killed by signal N
  bool timed_out = false;
  bool cancelled = false;
  std::string error;   // why it could not run; empty when it ran
  std::string output;  // the end of its stdout and stderr, as they interleaved
};

// Runs `command` with /bin/sh -c in a process group of its own: stdin
// /dev/null, the agent's environment with `environment` set over it. Waits
// until it exits, `timeout` passes or `cancel_fd` (-1: none) turns readable;
// the latter two kill its whole group. Keeps the last `output_limit` bytes.
GpuCommandResult run_gpu_command(const std::string& command,
                                 const std::vector<std::pair<std::string, std::string>>& environment,
                                 std::chrono::milliseconds timeout, size_t output_limit,
                                 int cancel_fd = -1);

// The last `limit` bytes at most of `bytes` as valid UTF-8 (the channel's
// JSON must be), cut at a character's start.
std::string output_tail(std::string_view bytes, size_t limit);

}  // namespace gantry::agent::gpu
