#include "controllers/job_controller.h"

#include "controllers/job_facts.h"
#include "controllers/job_plan.h"
#include "controllers/job_step.h"
#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/jobs.h"
#include "state/record_keys.h"

namespace gantry::controllers {

namespace {

template <class T>
const T* as(const std::shared_ptr<const state::Record>& record) {
  return record ? std::get_if<T>(record.get()) : nullptr;
}

// When a finished job's record expires.
core::SystemTime expiry_of(const state::JobRecord& job) {
  const boost::json::value* at = job.doc.if_contains("updatedAt");
  double finished = at && at->is_number() ? at->to_number<double>() : 0;
  return core::from_epoch_seconds(finished) + JobController::kFinishedJobRetention;
}

// The writer's half: the job is deleted if it is still finished and expired.
state::Outcome delete_if_expired(const state::ClusterState& latest, const std::string& cluster,
                                 const std::string& id, core::SystemTime now) {
  const state::JobRecord* job = latest.job(cluster, id);
  if (!job || !ecs::job_finished(job->status()) || expiry_of(*job) > now) return {};
  return {{state::delete_change(state::job_key(cluster, id))}, {}};
}

}  // namespace

void JobController::note_tasks(const state::JobRecord& job) {
  if (const auto* tasks = core::array_member(job.doc, "tasks")) {
    for (const auto& entry : *tasks) {
      job_tasks_.emplace(
          core::arn_last_segment(core::string_member(entry.as_object(), "taskArn")));
    }
  }
  if (const auto* diagnostic = core::object_member(job.doc, "diagnostic")) {
    job_tasks_.emplace(core::arn_last_segment(core::string_member(*diagnostic, "taskArn")));
  }
}

bool JobController::interested(const state::LoggedChange& change) {
  if (change.key.starts_with(state::kJobPrefix)) {
    if (const auto* job = as<state::JobRecord>(change.after)) note_tasks(*job);
    return true;
  }
  if (change.key.starts_with(state::kTaskPrefix)) {
    const auto* task = as<state::TaskRecord>(change.after);
    if (!task) task = as<state::TaskRecord>(change.before);
    return task && job_tasks_.contains(std::string(task->id()));
  }
  if (change.key.starts_with(state::kContainerInstancePrefix)) {
    const auto* before = as<state::ContainerInstanceRecord>(change.before);
    const auto* after = as<state::ContainerInstanceRecord>(change.after);
    if (!before || !after) return true;
    return before->gpu_health != after->gpu_health || before->gpu_requests != after->gpu_requests;
  }
  return false;
}

Reconcile JobController::reconcile(const state::ClusterState& state, core::SystemTime now) {
  Reconcile decided;
  auto wake = [&](core::SystemTime at) {
    if (!decided.next_run || at < *decided.next_run) decided.next_run = at;
  };
  job_tasks_.clear();  // those of finished jobs matter no more
  for (const auto& [cluster, record] : state.clusters()) {
    for (const auto& [id, job] : state.jobs(cluster)) {
      if (ecs::job_finished(job->status())) {
        if (core::SystemTime expiry = expiry_of(*job); expiry > now) {
          wake(expiry);
        } else {
          decided.mutations.push_back(
              [cluster = job->cluster, id = job->id(), now](const state::ClusterState& latest) {
                return delete_if_expired(latest, cluster, id, now);
              });
        }
        continue;
      }
      note_tasks(*job);
      JobStep step = plan_job(gather_job_facts(state, *job), now);
      if (step.wake_at) wake(*step.wake_at);
      if (step.action == JobAction::kNone) continue;
      // A restart that finds no room waits in RESTARTING: try it again.
      if (step.action == JobAction::kRestart) wake(now + kRestartRetry);
      // A restart's tasks take the job's region, as its first tasks did.
      auto arn = core::parse_arn(job->arn());
      decided.mutations.push_back(commands_.mutation(
          // The settings by value: the writer may run it after the controller is gone.
          [settings = settings_, cluster = job->cluster, id = job->id()](
              const ecs::Context& context) { return advance_job(context, cluster, id, settings); },
          arn ? arn->region : std::string()));
    }
  }
  return decided;
}

}  // namespace gantry::controllers
