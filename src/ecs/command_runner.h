#pragma once
// Submits ECS commands to the single writer for callers that are not
// answering a request (the agent channel, controllers): each runs on the
// writer thread against a Context of the draft, and its caller hears of it
// once it is durable. API handlers build their Context from the request.
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "ecs/context.h"
#include "ecs/placement_indexes.h"
#include "state/control_state.h"

namespace gantry::ecs {

class CommandRunner {
 public:
  using Command = std::function<state::Outcome(const Context& context)>;

  CommandRunner(state::ControlState& state, PlacementIndexes& placement, core::Random& ids,
                const core::Clock& clock, std::string account_id)
      : state_(state),
        placement_(placement),
        ids_(ids),
        clock_(clock),
        account_id_(std::move(account_id)) {}

  // Queues `command` without waiting; it runs as of now. `region` is that
  // of the ARNs it creates (empty for commands that create none).
  void submit(Command command, state::Completion done = [](state::Answer) {},
              std::string region = {}) {
    state_.submit(mutation(std::move(command), std::move(region)), std::move(done));
  }

  // `command` as a mutation that runs as of now, for a caller that submits
  // it itself (a controller's reconcile returns mutations to its runtime).
  state::Mutation mutation(Command command, std::string region = {}) {
    return [this, command = std::move(command), now = clock_.now(),
            region = std::move(region)](const state::ClusterState& draft) {
      return command(Context{draft, placement_, ids_, now, account_id_, region});
    };
  }

  state::ControlState& state() { return state_; }

 private:
  state::ControlState& state_;
  PlacementIndexes& placement_;
  core::Random& ids_;
  const core::Clock& clock_;
  const std::string account_id_;
};

}  // namespace gantry::ecs
