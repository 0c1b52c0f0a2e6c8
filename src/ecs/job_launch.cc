#include "ecs/job_launch.h"

#include <charconv>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/job_documents.h"
#include "ecs/jobs.h"
#include "ecs/run_task_request.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::array_member;
using core::string_member;

std::optional<int> job_max_attempts_of(const json::array& tags) {
  std::optional<std::string> recovery;
  std::optional<std::string> attempts;
  for (const auto& tag : tags) {
    if (!tag.is_object()) continue;
    std::string key = string_member(tag.as_object(), "key");
    if (key == kRecoveryTag) recovery = string_member(tag.as_object(), "value");
    if (key == kMaxAttemptsTag) attempts = string_member(tag.as_object(), "value");
  }
  if (!recovery) {
    if (attempts) {
      throw core::invalid_parameter("The tag gantry:max-attempts applies only to a job: add the "
                                    "tag gantry:recovery with the value job.");
    }
    return std::nullopt;
  }
  if (*recovery != kRecoveryTagJob) {
    throw core::invalid_parameter("The tag gantry:recovery takes the value job, not '" +
                                  *recovery + "'.");
  }
  if (!attempts) return kDefaultMaxAttempts;
  int value = 0;
  auto [end, error] = std::from_chars(attempts->data(), attempts->data() + attempts->size(), value);
  if (error != std::errc() || end != attempts->data() + attempts->size() || value < 1 ||
      value > kMaxMaxAttempts) {
    throw core::invalid_parameter("The tag gantry:max-attempts must be a whole number from 1 to " +
                                  std::to_string(kMaxMaxAttempts) + ", not '" + *attempts + "'.");
  }
  return value;
}

void start_job(const Context& context, const json::object& request, Launched& launched) {
  const json::array* tags = array_member(request, "tags");
  std::optional<int> max_attempts = tags ? job_max_attempts_of(*tags) : std::nullopt;
  if (!max_attempts || launched.changes.empty()) return;  // no job, or a retried request
  if (!launched.failures.empty()) {
    launched.changes.clear();
    launched.tasks.clear();
    return;
  }
  const json::object& first = launched.tasks.front().as_object();
  std::string cluster_arn = string_member(first, "clusterArn");
  state::JobRecord job;
  job.cluster = std::string(core::arn_last_segment(cluster_arn));
  job.doc = new_job_document(context, cluster_arn, context.ids.hex(32), *max_attempts,
                             launched.tasks);
  job.doc["gpuBaseline"] = gpu_baseline(context.state, job.cluster, job.doc["tasks"].as_array());
  job.request = request;
  job.request.erase("clientToken");
  launched.changes.push_back(put_job(std::move(job)));
}

namespace {

// The memberOf that keeps tasks off the given instances.
std::optional<scheduler::PlacementConstraint> avoiding(const Context& context,
                                                       const state::JobRecord& job) {
  const json::array* avoid = array_member(job.doc, "avoidInstances");
  if (!avoid || avoid->empty()) return std::nullopt;
  std::string list;
  for (const auto& arn : *avoid) {
    if (!arn.is_string()) continue;
    const auto* instance = context.state.instance(job.cluster, core::arn_last_segment(arn.get_string()));
    std::string ec2 = instance ? string_member(instance->doc, "ec2InstanceId") : "";
    if (ec2.empty()) continue;
    list += (list.empty() ? "" : ", ") + ec2;
  }
  if (list.empty()) return std::nullopt;
  return scheduler::PlacementConstraint{"memberOf", "ec2InstanceId not_in [" + list + "]"};
}

}  // namespace

Launched launch_attempt(const Context& context, const state::JobRecord& job) {
  RunTasks command = run_tasks_from_request(job.request);
  command.client_token.clear();
  if (auto constraint = avoiding(context, job)) {
    RunTasks elsewhere = command;
    if (!elsewhere.placement_constraints) elsewhere.placement_constraints.emplace();
    elsewhere.placement_constraints->push_back(*constraint);
    try {
      Launched launched = run_tasks(context, elsewhere);
      if (launched.failures.empty()) return launched;
    } catch (const core::ApiError&) {
      // e.g. a FARGATE launch takes no constraints: place as the first was
    }
  }
  return run_tasks(context, command);
}

}  // namespace gantry::ecs
