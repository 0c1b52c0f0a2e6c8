#pragma once
// Builders for the service scheduler's snapshots, shared by its example and
// property tests.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "controllers/service_plan.h"
#include "controllers/service_snapshot.h"
#include "core/clock.h"

namespace gantry::controllers::service_fixture {

using namespace std::chrono_literals;

inline const core::SystemTime kNow = core::FakeClock().now();
inline const std::string kOld = "ecs-svc/1111111111111111111";
inline const std::string kNew = "ecs-svc/2222222222222222222";

inline ServiceDeployment deployment(std::string id,
                                    DeploymentStatus status = DeploymentStatus::kPrimary,
                                    RolloutState rollout = RolloutState::kInProgress) {
  ServiceDeployment d;
  d.id = std::move(id);
  d.status = status;
  d.rollout_state = rollout;
  d.task_definition = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:" + d.id.substr(8);
  d.created_at = kNow - 1h;
  return d;
}

inline ServiceTask task(std::string id, std::string deployment_id,
                        model::TaskStatus status = model::TaskStatus::kRunning,
                        std::string zone = "us-east-1a", std::string instance = "i-1") {
  ServiceTask t;
  t.id = std::move(id);
  t.deployment_id = std::move(deployment_id);
  t.last_status = status;
  t.zone = std::move(zone);
  t.instance_id = std::move(instance);
  t.created_at = kNow - 10min;
  if (status >= model::TaskStatus::kRunning) t.started_at = kNow - 9min;
  return t;
}

inline ServiceTask with_health(ServiceTask t, HealthStatus health) {
  t.has_health_check = true;
  t.health = health;
  return t;
}

// Stopped at `at` with `code`: a failure to start when it never ran.
inline ServiceTask stopped(ServiceTask t, core::SystemTime at,
                           StopCode code = StopCode::kTaskFailedToStart) {
  t.last_status = model::TaskStatus::kStopped;
  t.desired_running = false;
  t.stopped_at = at;
  t.stop_code = code;
  return t;
}

// desiredStatus STOPPED by the scheduler, lastStatus as given.
inline ServiceTask stopping(ServiceTask t, std::string reason = "Scaling activity") {
  t.desired_running = false;
  t.stop_code = StopCode::kServiceSchedulerInitiated;
  t.stopped_reason = std::move(reason);
  return t;
}

inline ServiceSnapshot replica(int desired, int min_percent = 100, int max_percent = 200) {
  ServiceSnapshot s;
  s.service.name = "web";
  s.service.desired_count = desired;
  s.service.minimum_healthy_percent = min_percent;
  s.service.maximum_percent = max_percent;
  return s;
}

inline ServiceSnapshot daemon() {
  ServiceSnapshot s;
  s.service.name = "agent";
  s.service.strategy = SchedulingStrategy::kDaemon;
  return s;
}

inline ServiceInstance instance(std::string id, std::string zone = "us-east-1a", bool active = true,
                                bool meets = true) {
  return ServiceInstance{std::move(id), std::move(zone), active, meets};
}

inline std::vector<std::string> stopped_ids(const ServicePlan& plan) {
  std::vector<std::string> ids;
  for (const auto& stop : plan.stops) ids.push_back(stop.task_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

inline int started(const ServicePlan& plan) { return plan.starts ? plan.starts->count : 0; }

template <typename Fact>
bool has_fact(const ServicePlan& plan) {
  return std::any_of(plan.facts.begin(), plan.facts.end(),
                     [](const ServiceFact& f) { return std::holds_alternative<Fact>(f); });
}

inline const DeploymentChange* change_of(const ServicePlan& plan, const std::string& id) {
  for (const auto& change : plan.deployment_changes) {
    if (change.id == id) return &change;
  }
  return nullptr;
}

}  // namespace gantry::controllers::service_fixture
