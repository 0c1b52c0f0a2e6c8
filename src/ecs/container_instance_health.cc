#include "ecs/container_instance_health.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "model/gpu_health.h"

namespace gantry::ecs {

namespace json = boost::json;

namespace {

// The order ECS ranks them in for overallStatus, most severe first
// (docs.aws.amazon.com/AmazonECS/latest/developerguide/container-instance-health.html).
constexpr std::array<std::string_view, 4> kSeverity = {"IMPAIRED", "INSUFFICIENT_DATA",
                                                       "INITIALIZING", "OK"};

size_t severity(std::string_view status) {
  return std::ranges::find(kSeverity, status) - kSeverity.begin();
}

double number(const json::object& doc, std::string_view name) {
  auto* v = doc.if_contains(name);
  return v && v->is_number() ? v->to_number<double>() : 0;
}

json::object accelerated_compute(const json::array& gpus, bool agent_connected) {
  std::optional<model::GpuHealth> first_fault;
  double reported = 0;
  double changed = 0;
  for (const auto& item : gpus) {
    const json::object& gpu = item.get_object();
    reported = std::max(reported, number(gpu, "reportedAt"));
    changed = std::max(changed, number(gpu, "changedAt"));
    model::GpuHealth health = model::gpu_health_from(gpu);
    if (health.healthy()) continue;
    if (!first_fault || health.changed_at < first_fault->changed_at) first_fault = health;
  }
  json::object detail{{"type", "ACCELERATED_COMPUTE"}, {"lastUpdated", reported}};
  if (first_fault) {
    // A fault stays until the agent, restarted after the repair, says otherwise.
    detail["status"] = "IMPAIRED";
    detail["statusReason"] = first_fault->reason;
    detail["lastStatusChange"] = first_fault->changed_at;
  } else {
    detail["status"] = agent_connected ? "OK" : "INSUFFICIENT_DATA";
    if (changed > 0) detail["lastStatusChange"] = changed;
  }
  return detail;
}

}  // namespace

json::object instance_health(const state::ContainerInstanceRecord& instance, bool agent_connected) {
  json::array details{json::object{{"type", "CONTAINER_RUNTIME"},
                                   {"status", agent_connected ? "OK" : "INSUFFICIENT_DATA"}}};
  if (!instance.gpu_health.empty()) {
    details.push_back(accelerated_compute(instance.gpu_health, agent_connected));
  }
  std::string_view overall = "OK";
  for (const auto& detail : details) {
    std::string_view status = detail.at("status").as_string();
    if (severity(status) < severity(overall)) overall = status;
  }
  return {{"overallStatus", overall}, {"details", std::move(details)}};
}

}  // namespace gantry::ecs
