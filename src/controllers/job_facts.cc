#include "controllers/job_facts.h"

#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/job_documents.h"
#include "model/instance_lifecycle.h"

namespace gantry::controllers {

namespace json = boost::json;
using core::array_member;
using core::object_member;
using core::string_member;

namespace {

JobTaskFacts task_facts(const state::ClusterState& state, const std::string& cluster,
                        const json::object& entry) {
  JobTaskFacts facts;
  facts.arn = string_member(entry, "taskArn");
  facts.instance_arn = string_member(entry, "containerInstanceArn");
  facts.instance_id = std::string(core::arn_last_segment(facts.instance_arn));
  if (const json::array* gpus = array_member(entry, "gpuIds")) {
    for (const auto& id : *gpus) {
      if (id.is_string()) facts.gpu_ids.emplace_back(id.get_string());
    }
  }
  const state::TaskRecord* task = state.task(cluster, core::arn_last_segment(facts.arn));
  if (!task) {
    facts.found = false;
    return facts;
  }
  if (!task->instance_id.empty()) facts.instance_id = task->instance_id;
  if (!facts.instance_id.empty()) {
    const state::ContainerInstanceRecord* instance = state.instance(cluster, facts.instance_id);
    facts.instance_gone = !instance || !model::is_registered(instance->status());
  }
  if (facts.gpu_ids.empty()) facts.gpu_ids = task->reservation.gpu_ids;
  facts.last_status = task->last_status();
  facts.desired_status = task->desired_status();
  state::DocScratch scratch;
  json::object doc = task->doc(scratch.storage());
  facts.stop_code = string_member(doc, "stopCode");
  facts.stopped_reason = string_member(doc, "stoppedReason");
  if (const json::array* containers = array_member(doc, "containers")) {
    for (const auto& container : *containers) {
      const json::value* code = container.as_object().if_contains("exitCode");
      if (code && code->is_int64()) facts.exit_codes.push_back(static_cast<int>(code->get_int64()));
    }
  }
  return facts;
}

// A diagnostic task's answer, once it stopped: its exit code.
void answer_from_task(const state::ClusterState& state, const std::string& cluster,
                      JobCheckFacts& facts) {
  std::string id(core::arn_last_segment(facts.task_arn));
  json::object entry{{"taskArn", facts.task_arn}};
  JobTaskFacts task = task_facts(state, cluster, entry);
  if (!task.found) {
    facts.status = "UNHEALTHY";
    facts.output = "the diagnostic task " + id + " is gone";
    return;
  }
  if (task.last_status != "STOPPED") return;
  facts.status = task_succeeded(task) ? "HEALTHY" : "UNHEALTHY";
  facts.output = "the diagnostic task " + id + " stopped (" + task.stopped_reason;
  for (int code : task.exit_codes) {
    if (code != 0 || task_succeeded(task)) {
      facts.output += ", exit code " + std::to_string(code);
      break;
    }
  }
  facts.output += ")";
}

JobCheckFacts check_facts(const state::ClusterState& state, const std::string& cluster,
                          const json::object& job, std::string_view member) {
  JobCheckFacts facts;
  const json::object* check = object_member(job, member);
  if (!check) return facts;
  facts.asked = true;
  facts.status = string_member(*check, "status");
  facts.task_arn = string_member(*check, "taskArn");
  facts.instance_id =
      std::string(core::arn_last_segment(string_member(*check, "containerInstanceArn")));
  if (const json::array* gpus = array_member(*check, "gpuIds")) {
    for (const auto& id : *gpus) {
      if (id.is_string()) facts.gpu_ids.emplace_back(id.get_string());
    }
  }
  facts.output = string_member(*check, "output");
  if (const json::value* at = check->if_contains("requestedAt"); at && at->is_number()) {
    facts.requested_at = core::from_epoch_seconds(at->to_number<double>());
  }
  facts.after_recovery = core::bool_member(*check, "afterRecovery", false);
  if (!facts.task_arn.empty() && facts.status == "PENDING") answer_from_task(state, cluster, facts);
  return facts;
}

}  // namespace

bool task_succeeded(const JobTaskFacts& task) {
  if (!task.found || task.last_status != "STOPPED" || task.exit_codes.empty()) return false;
  if (task.stop_code != "EssentialContainerExited") return false;
  for (int code : task.exit_codes) {
    if (code != 0) return false;
  }
  return true;
}

JobFacts gather_job_facts(const state::ClusterState& state, const state::JobRecord& job) {
  JobFacts facts;
  facts.cluster = job.cluster;
  facts.id = job.id();
  facts.status = job.status();
  facts.attempt = ecs::job_attempt(job.doc);
  facts.max_attempts = ecs::job_max_attempts(job.doc);
  if (const json::object* fault = object_member(job.doc, "fault")) facts.fault = *fault;
  facts.diagnostic = check_facts(state, job.cluster, job.doc, "diagnostic");
  facts.recovery = check_facts(state, job.cluster, job.doc, "recovery");
  const json::object* baseline = object_member(job.doc, "gpuBaseline");
  if (const json::array* tasks = array_member(job.doc, "tasks")) {
    for (const auto& entry : *tasks) {
      facts.tasks.push_back(task_facts(state, job.cluster, entry.as_object()));
    }
  }
  for (const JobTaskFacts& task : facts.tasks) {
    const state::ContainerInstanceRecord* instance = state.instance(job.cluster, task.instance_id);
    if (!instance) continue;
    for (const auto& uuid : task.gpu_ids) {
      JobGpuFacts gpu{task.instance_id, instance->arn(), task.found && task.last_status != "STOPPED",
                      model::GpuHealth{.uuid = uuid}, {}};
      for (const auto& stored : instance->gpu_health) {
        if (stored.is_object() && string_member(stored.get_object(), "uuid") == uuid) {
          gpu.health = model::gpu_health_from(stored.get_object());
        }
      }
      if (const json::value* at = baseline ? baseline->if_contains(uuid) : nullptr;
          at && at->is_number()) {
        gpu.baseline_changed_at = at->to_number<double>();
      }
      facts.gpus.emplace(uuid, std::move(gpu));
    }
  }
  return facts;
}

}  // namespace gantry::controllers
