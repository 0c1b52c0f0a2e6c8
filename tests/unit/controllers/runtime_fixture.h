#pragma once
// A controller runtime end to end on fake time: a real ControlState over an
// in-memory store, an io_context the test runs by hand, FakeClock's timers.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <future>

#include "controllers/controller_runtime.h"
#include "core/clock.h"
#include "fakes/memory_store.h"
#include "state/control_state.h"

namespace gantry::controllers {

class RuntimeFixture : public ::testing::Test {
 protected:
  static constexpr RuntimeOptions kOptions{std::chrono::seconds(1), std::chrono::seconds(8)};
  static constexpr size_t kLogCapacity = 64;  // small, so that a test can outrun it

  // Runs the executor until nothing is queued and no controller awaits an
  // answer from the writer (the runtime keeps it busy until then).
  void settle() {
    io_.restart();
    io_.run();
  }

  state::Answer submit(state::Mutation mutation) {
    std::promise<state::Answer> answered;
    state_.submit(std::move(mutation), [&](state::Answer a) { answered.set_value(std::move(a)); });
    return answered.get_future().get();
  }

  void put(std::vector<state::Change> changes) {
    auto answer = submit([changes = std::move(changes)](const state::ClusterState&) {
      return state::Outcome{changes, {}};
    });
    ASSERT_TRUE(std::holds_alternative<boost::json::object>(answer));
  }

  template <class Reader>
  auto read(Reader&& reader) {
    return state_.read(std::forward<Reader>(reader));
  }

  testing::MemoryStore store_;
  state::ControlState state_{store_, 1024, nullptr, kLogCapacity};
  core::FakeClock clock_;
  boost::asio::io_context io_;
  ControllerRuntime runtime_{io_.get_executor(), state_, clock_, clock_, kOptions};
};

}  // namespace gantry::controllers
