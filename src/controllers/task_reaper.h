#pragma once
// Stopped tasks stay describable for an hour after they stop, as on ECS,
// then expire. A loop of the usual kind: read the state, submit what to
// delete.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

#include "core/clock.h"
#include "state/control_state.h"

namespace gantry::controllers {

// The deletions of the tasks that stopped more than `retention` before `now`.
std::vector<state::Change> expired_tasks(const state::ClusterState& state, core::SystemTime now,
                                         std::chrono::seconds retention);

class TaskReaper {
 public:
  TaskReaper(boost::asio::io_context& io, state::ControlState& state, const core::Clock& clock,
             std::chrono::seconds retention = std::chrono::hours(1),
             std::chrono::seconds period = std::chrono::minutes(1));
  ~TaskReaper();

 private:
  void schedule();

  state::ControlState& state_;
  const core::Clock& clock_;
  const std::chrono::seconds retention_;
  const std::chrono::seconds period_;
  boost::asio::steady_timer timer_;
};

}  // namespace gantry::controllers
