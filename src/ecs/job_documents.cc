#include "ecs/job_documents.h"

#include <set>

#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/jobs.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::array_member;
using core::int_member;
using core::string_member;

json::object new_job_document(const Context& context, std::string_view cluster_arn,
                              std::string_view job_id, int max_attempts,
                              const json::array& tasks) {
  std::string cluster(core::arn_last_segment(cluster_arn));
  std::string definition;
  if (!tasks.empty()) definition = string_member(tasks.front().as_object(), "taskDefinitionArn");
  double now = context.now_seconds();
  json::object job{{"jobArn", core::job_arn(context.region, context.account_id, cluster, job_id)},
                   {"jobId", job_id},
                   {"clusterArn", cluster_arn},
                   {"status", kJobRunning},
                   {"attempt", 1},
                   {"maxAttempts", max_attempts},
                   {"taskDefinitionArn", definition},
                   {"createdAt", now},
                   {"updatedAt", now},
                   {"attemptStartedAt", now},
                   {"tasks", job_task_entries(tasks, 1)},
                   {"avoidInstances", json::array{}},
                   {"events", json::array{}}};
  move_job(job, now, kJobRunning, "STARTED",
           "attempt 1 of " + std::to_string(max_attempts) + ": " + std::to_string(tasks.size()) +
               " tasks started");
  return job;
}

json::array job_task_entries(const json::array& tasks, int attempt) {
  json::array entries;
  for (const auto& value : tasks) {
    const json::object& task = value.as_object();
    json::array gpus;
    std::set<std::string> seen;
    if (const json::array* containers = array_member(task, "containers")) {
      for (const auto& container : *containers) {
        const json::array* ids = array_member(container.as_object(), "gpuIds");
        if (!ids) continue;
        for (const auto& id : *ids) {
          if (id.is_string() && seen.emplace(id.get_string()).second) gpus.push_back(id);
        }
      }
    }
    json::object entry{{"taskArn", string_member(task, "taskArn")},
                       {"gpuIds", std::move(gpus)},
                       {"attempt", attempt}};
    if (auto instance = string_member(task, "containerInstanceArn"); !instance.empty()) {
      entry["containerInstanceArn"] = instance;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

json::object gpu_baseline(const state::ClusterState& state, const std::string& cluster,
                          const json::array& entries) {
  json::object baseline;
  for (const auto& entry : entries) {
    const json::object& task = entry.as_object();
    const auto* instance = state.instance(
        cluster, core::arn_last_segment(string_member(task, "containerInstanceArn")));
    if (!instance) continue;
    for (const auto& stored : instance->gpu_health) {
      const json::object& gpu = stored.as_object();
      if (const json::value* at = gpu.if_contains("changedAt"); at && at->is_number()) {
        baseline[string_member(gpu, "uuid")] = *at;
      }
    }
  }
  return baseline;
}

void move_job(json::object& job, double now, std::string_view status, std::string_view action,
              std::string message) {
  job["status"] = status;
  job["statusReason"] = message;
  job["updatedAt"] = now;
  json::array& events = job["events"].is_array() ? job["events"].as_array()
                                                 : job["events"].emplace_array();
  int64_t last = events.empty() ? 0 : int_member(events.back().as_object(), "id", 0);
  events.push_back(json::object{{"id", last + 1},
                                {"at", now},
                                {"status", status},
                                {"action", action},
                                {"message", std::move(message)}});
  if (events.size() > kMaxJobEvents) events.erase(events.begin());
}

int job_attempt(const json::object& job) { return static_cast<int>(int_member(job, "attempt", 1)); }

int job_max_attempts(const json::object& job) {
  return static_cast<int>(int_member(job, "maxAttempts", kDefaultMaxAttempts));
}

state::Change put_job(state::JobRecord job) {
  std::string key = state::job_key(job.cluster, job.id());
  return state::put_change(std::move(key), std::move(job));
}

}  // namespace gantry::ecs
