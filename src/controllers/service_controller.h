#pragma once
// The ECS service scheduler's loop: woken by changes to services, to their
// tasks and to the instances of their clusters, and by the times its plans
// name (a grace period or a back-off ending). Each reconcile plans the
// services those changes touched (all of them after a resync), one pure
// reconcile_service() each, and returns the plans' commands in the order a
// plan is carried out: starts, stops, then the service's own state.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "controllers/controller.h"
#include "controllers/service_snapshot.h"
#include "ecs/command_runner.h"

namespace gantry::controllers {

class ServiceController final : public Controller {
 public:
  explicit ServiceController(ecs::CommandRunner& commands, ReconcileOptions options = {})
      : commands_(commands), options_(options) {}

  std::string_view name() const override { return "services"; }
  bool interested(const state::LoggedChange& change) override;
  void resync() override { everything_ = true; }
  Reconcile reconcile(const state::ClusterState& state, core::SystemTime now) override;

 private:
  using ServiceKey = std::pair<std::string, std::string>;  // cluster, service name

  void plan(const state::ClusterState& state, const state::ServiceRecord& service,
            core::SystemTime now, Reconcile& decided);

  ecs::CommandRunner& commands_;
  const ReconcileOptions options_;
  bool everything_ = true;
  std::set<ServiceKey> touched_;
  std::set<std::string, std::less<>> touched_clusters_;  // an instance changed there
  std::map<ServiceKey, core::SystemTime> due_;           // a plan's next_run
};

}  // namespace gantry::controllers
