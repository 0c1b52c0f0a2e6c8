#pragma once
// Runs an io_context in short slices until a condition holds or a limit
// passes, so that timer-driven tests stay fast and bounded.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace gantry::agent::testing {

inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::milliseconds(1500)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs what is ready now, without waiting for timers.
inline void drain(boost::asio::io_context& io) {
  io.restart();
  io.poll();
}

}  // namespace gantry::agent::testing
