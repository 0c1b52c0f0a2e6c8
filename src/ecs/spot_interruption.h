#pragma once
// A rehearsal of Fargate Spot reclaiming its capacity: the cluster's
// FARGATE_SPOT tasks stop as an interruption stops them on AWS, with
// stopCode SpotInterruption. Their containers get SIGTERM at once and
// SIGKILL after their stopTimeout, which Fargate caps at 120 s: the
// two-minute warning AWS gives (a task that wants all of it sets
// stopTimeout 120, as AWS advises for Spot).
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

inline constexpr std::string_view kSpotInterruptionReason = "Your Spot Task was interrupted.";

struct InterruptSpotTasks {
  std::string cluster = "default";  // a name or ARN
  std::vector<std::string> tasks;   // ids or ARNs; empty: every FARGATE_SPOT task
};

struct SpotInterrupted {
  std::vector<state::Change> changes;
  boost::json::array tasks;     // the ECS Task documents, without tags
  boost::json::array failures;  // {"arn", "reason"}: unknown, or not on FARGATE_SPOT
};

// Throws for an inactive cluster or more than 100 tasks named.
SpotInterrupted interrupt_spot_tasks(const Context& context, const InterruptSpotTasks& command);

}  // namespace gantry::ecs
