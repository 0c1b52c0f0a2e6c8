#pragma once
// Waits, within a bound, for state no injected clock drives: what the
// kernel reports of real processes (CPU time, memory, a thread's system
// call, an exit record a shim wrote). Not for ordering events of the code
// under test: those wait on signals or run on a FakeClock.
#include <chrono>
#include <functional>
#include <thread>

namespace gantry::testing {

inline bool poll_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace gantry::testing
