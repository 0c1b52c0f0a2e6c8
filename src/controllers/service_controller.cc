#include "controllers/service_controller.h"

#include <algorithm>

#include "controllers/service_plan_commands.h"
#include "controllers/service_reconcile.h"
#include "controllers/service_snapshot_builder.h"
#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/service_deployments.h"

namespace gantry::controllers {

namespace {

constexpr std::string_view kServiceGroupPrefix = "service:";

const state::TaskRecord* task_in(const std::shared_ptr<const state::Record>& record) {
  return record ? std::get_if<state::TaskRecord>(record.get()) : nullptr;
}

// The region of the ARNs a service's tasks get: its own.
std::string region_of(const state::ServiceRecord& service) {
  auto arn = core::parse_arn(service.arn());
  return arn ? arn->region : std::string();
}

}  // namespace

bool ServiceController::interested(const state::LoggedChange& change) {
  if (change.key.starts_with(state::kServicePrefix)) {
    touched_.insert(state::parse_scoped_key(change.key, state::kServicePrefix));
    return true;
  }
  if (change.key.starts_with(state::kTaskPrefix)) {
    bool any = false;
    for (const auto* task : {task_in(change.before), task_in(change.after)}) {
      if (task && task->group().starts_with(kServiceGroupPrefix)) {
        touched_.emplace(task->cluster, task->group().substr(kServiceGroupPrefix.size()));
        any = true;
      }
    }
    return any;
  }
  if (change.key.starts_with(state::kContainerInstancePrefix)) {
    // New room, a drain or a lost agent: any of the cluster's services may
    // now place or must move.
    touched_clusters_.insert(
        state::parse_scoped_key(change.key, state::kContainerInstancePrefix).first);
    return true;
  }
  return false;
}

Reconcile ServiceController::reconcile(const state::ClusterState& state, core::SystemTime now) {
  Reconcile decided;
  std::set<ServiceKey> due;
  for (auto it = due_.begin(); it != due_.end();) {
    if (it->second <= now) {
      due.insert(it->first);
      it = due_.erase(it);
    } else {
      ++it;
    }
  }
  auto wanted = [&](const std::string& cluster, const std::string& name) {
    return everything_ || touched_clusters_.contains(cluster) ||
           touched_.contains({cluster, name}) || due.contains({cluster, name});
  };
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& [name, service] : state.services(cluster)) {
      if (service->status() == "INACTIVE" || !wanted(cluster, name)) continue;
      plan(state, *service, now, decided);
    }
  }
  everything_ = false;
  touched_.clear();
  touched_clusters_.clear();
  for (const auto& [key, at] : due_) {
    if (!decided.next_run || at < *decided.next_run) decided.next_run = at;
  }
  return decided;
}

void ServiceController::plan(const state::ClusterState& state, const state::ServiceRecord& service,
                             core::SystemTime now, Reconcile& decided) {
  ServiceSnapshot snapshot = service_snapshot(state, service);
  ServicePlan planned = reconcile_service(snapshot, now, options_);
  const ServiceKey key{service.cluster, service.name()};
  if (planned.next_run) due_[key] = *planned.next_run;

  const auto* primary = ecs::primary_deployment(service.doc);
  PlannedService target{service.cluster, key.second,
                        primary ? core::string_member(*primary, "id") : std::string()};
  const std::string region = region_of(service);
  auto start = [&](const TaskStarts& starts) {
    const bool on_instances = !starts.instance_ids.empty();
    const int total = on_instances ? static_cast<int>(starts.instance_ids.size()) : starts.count;
    for (int first = 0; first < total; first += kStartsPerCommand) {
      TaskStarts chunk = starts;
      chunk.count = std::min(kStartsPerCommand, total - first);
      chunk.replacing_unhealthy = first == 0 ? starts.replacing_unhealthy : 0;
      if (on_instances) {
        chunk.instance_ids.assign(starts.instance_ids.begin() + first,
                                  starts.instance_ids.begin() + first + chunk.count);
      }
      decided.mutations.push_back(
          commands_.mutation(start_service_tasks(target, std::move(chunk)), region));
    }
  };
  if (planned.starts) start(*planned.starts);
  for (const auto& starts : planned.task_set_starts) start(starts);
  if (!planned.stops.empty()) {
    decided.mutations.push_back(
        commands_.mutation(stop_service_tasks(target, std::move(planned.stops)), region));
  }
  // A DAEMON service wants one task per eligible instance, and shows it.
  std::optional<int> daemon_desired;
  if (snapshot.service.strategy == SchedulingStrategy::kDaemon && !snapshot.service.draining) {
    int eligible = static_cast<int>(
        std::count_if(snapshot.instances.begin(), snapshot.instances.end(),
                      [](const ServiceInstance& i) { return i.active && i.meets_constraints; }));
    if (eligible != core::int_member(service.doc, "desiredCount", 0)) daemon_desired = eligible;
  }
  if (!planned.deployment_changes.empty() || planned.rollback || !planned.facts.empty() ||
      !planned.task_set_changes.empty() || planned.drained || daemon_desired) {
    decided.mutations.push_back(commands_.mutation(
        update_service_state(target, std::move(planned), daemon_desired), region));
  }
}

}  // namespace gantry::controllers
