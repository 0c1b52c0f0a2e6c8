#pragma once
// The service scheduler's input, read from the published state: a service's
// record (its settings and deployments), its tasks (group "service:NAME")
// and, for DAEMON, the cluster's instances.
#include "controllers/service_snapshot.h"
#include "state/cluster_state.h"

namespace gantry::controllers {

ServiceSnapshot service_snapshot(const state::ClusterState& state,
                                 const state::ServiceRecord& service);

}  // namespace gantry::controllers
