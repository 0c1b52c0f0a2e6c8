#pragma once
// What an ECS command runs against, inside the single writer: the draft
// (every earlier mutation applied, in this batch too), the writer's
// placement indexes, the source of new ids, and the time, account and
// region the command runs for. Nothing of the request that asked for it.
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

class PlacementIndexes;

struct Context {
  const state::ClusterState& state;
  PlacementIndexes& placement;
  core::Random& ids;  // writer thread only
  core::SystemTime now;
  std::string account_id;
  std::string region;  // of the ARNs a command creates

  double now_seconds() const { return core::to_epoch_seconds(now); }
};

}  // namespace gantry::ecs
