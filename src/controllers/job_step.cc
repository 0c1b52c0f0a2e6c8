#include "controllers/job_step.h"

#include <optional>

#include "controllers/job_facts.h"
#include "controllers/job_plan.h"
#include "core/arn.h"
#include "core/json_members.h"
#include "core/utf8_text.h"
#include "ecs/gpu_requests.h"
#include "ecs/job_checks.h"
#include "ecs/job_documents.h"
#include "ecs/job_launch.h"
#include "ecs/jobs.h"
#include "ecs/task_stop.h"
#include "model/instance_lifecycle.h"

namespace gantry::controllers {

namespace json = boost::json;
using core::string_member;

namespace {

void stop_tasks(const ecs::Context& context, const JobFacts& facts, const JobStep& step,
                std::vector<state::Change>& changes) {
  for (const JobTaskFacts& task : facts.tasks) {
    if (!task.found || task.desired_status == "STOPPED") continue;
    ecs::StopTask stop{facts.cluster, task.arn,
                       core::utf8_prefix(step.stop_reason, core::kMaxStoppedReasonBytes),
                       "ServiceSchedulerInitiated"};
    auto stopped = ecs::stop_task(context, stop);
    std::ranges::move(stopped.changes, std::back_inserter(changes));
  }
}

void avoid(json::object& job, const std::string& instance_arn) {
  json::array& list = job["avoidInstances"].is_array() ? job["avoidInstances"].as_array()
                                                       : job["avoidInstances"].emplace_array();
  for (const auto& known : list) {
    if (known.is_string() && known.get_string() == instance_arn) return;
  }
  list.emplace_back(instance_arn);
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

// The diagnostic as the operator's task, when one is set and it starts; the
// job keeps it as its diagnostic. Else why it did not start.
std::optional<std::string> start_diagnostic(const ecs::Context& context, const JobStep& step,
                                            const JobSettings& settings,
                                            const state::ContainerInstanceRecord& instance,
                                            state::JobRecord& job,
                                            std::vector<state::Change>& changes) {
  ecs::StartedDiagnostic started = ecs::start_diagnostic_task(
      context, job, {settings.diagnostic_task_definition, instance.id(), step.gpus});
  if (started.task_arn.empty()) return started.why_not;
  std::ranges::move(started.changes, std::back_inserter(changes));
  job.doc["diagnostic"] = json::object{{"containerInstanceArn", instance.arn()},
                                       {"gpuIds", string_array(step.gpus)},
                                       {"taskArn", started.task_arn},
                                       {"status", "PENDING"},
                                       {"requestedAt", context.now_seconds()},
                                       {"afterRecovery", step.after_recovery}};
  return std::nullopt;
}

// Opens the check on the instance: the diagnostic task, or the request its
// agent answers; the job keeps it as its diagnostic or recovery. False when
// the instance is gone. `message` gains why a diagnostic task did not start.
bool open_check(const ecs::Context& context, const JobFacts& facts, const JobStep& step,
                const JobSettings& settings, state::JobRecord& job, std::string& message,
                std::vector<state::Change>& changes) {
  const state::ContainerInstanceRecord* instance =
      context.state.instance(facts.cluster, step.instance_id);
  if (!instance || !model::is_registered(instance->status())) return false;
  const bool recover = step.action == JobAction::kRecover;
  if (step.avoid_instance) avoid(job.doc, instance->arn());
  if (!recover && !settings.diagnostic_task_definition.empty()) {
    auto why_not = start_diagnostic(context, step, settings, *instance, job, changes);
    if (!why_not) return true;
    message += " (the diagnostic task " + settings.diagnostic_task_definition +
               " did not start: " + *why_not + "; its agent checks instead)";
  }
  model::GpuRequest request{
      facts.id.substr(0, 8) + "-" + std::to_string(facts.attempt) + "-" +
          (recover ? "recover" : "diagnose") + "-" + context.ids.hex(8),
      std::string(recover ? model::kGpuRecover : model::kGpuDiagnose), step.gpus};
  changes.push_back(
      state::put_change(state::container_instance_key(facts.cluster, step.instance_id),
                        ecs::with_gpu_request(*instance, request, facts.cluster + "/" + facts.id,
                                              context.now_seconds())));
  json::object check{{"containerInstanceArn", instance->arn()},
                     {"gpuIds", string_array(step.gpus)},
                     {"requestId", request.id},
                     {"status", "PENDING"},
                     {"requestedAt", context.now_seconds()}};
  if (!recover) check["afterRecovery"] = step.after_recovery;
  job.doc[recover ? "recovery" : "diagnostic"] = std::move(check);
  return true;
}

// The diagnostic task found the GPUs unhealthy: their agent holds them out
// of service until a recovery or a return (model/gpu_requests.h: hold).
void hold_out(const ecs::Context& context, const JobFacts& facts, const JobStep& step,
              std::vector<state::Change>& changes) {
  const state::ContainerInstanceRecord* instance =
      context.state.instance(facts.cluster, step.instance_id);
  if (!instance || !model::is_registered(instance->status())) return;
  model::GpuRequest request{
      facts.id.substr(0, 8) + "-" + std::to_string(facts.attempt) + "-hold-" + context.ids.hex(8),
      std::string(model::kGpuHold), step.gpus,
      core::utf8_prefix("job " + facts.id + ": " + facts.diagnostic.output,
                        model::kGpuRequestOutputBytes)};
  changes.push_back(
      state::put_change(state::container_instance_key(facts.cluster, step.instance_id),
                        ecs::with_gpu_request(*instance, request, "", context.now_seconds())));
}

// Attempt k+1, when its tasks fit; else the job waits in RESTARTING.
void restart(const ecs::Context& context, const JobFacts& facts, const JobStep& step,
             state::JobRecord& job, std::vector<state::Change>& changes) {
  const double now = context.now_seconds();
  if (facts.status != ecs::kJobRestarting) {
    ecs::move_job(job.doc, now, ecs::kJobRestarting, step.event_action, step.message);
  }
  // The hold written with this step is not yet in the state placement
  // reads: the attempt launches on the next wake, when it is.
  if (step.hold_out) return;
  ecs::Launched launched = ecs::launch_attempt(context, job);
  if (!launched.failures.empty() || launched.changes.empty()) {
    std::string why = launched.failures.empty() ? "no task launched" : launched.failures[0].reason;
    job.doc["statusReason"] = "attempt " + std::to_string(facts.attempt + 1) +
                              " waits for room to launch its tasks: " + why;
    return;
  }
  const int attempt = facts.attempt + 1;
  json::array entries = ecs::job_task_entries(launched.tasks, attempt);
  std::string where;
  for (const auto& entry : entries) {
    std::string instance(core::arn_last_segment(
        string_member(entry.as_object(), "containerInstanceArn")));
    if (!instance.empty()) where += (where.empty() ? "" : ", ") + instance;
  }
  job.doc["attempt"] = attempt;
  job.doc["attemptStartedAt"] = now;
  job.doc["gpuBaseline"] = ecs::gpu_baseline(context.state, facts.cluster, entries);
  job.doc["tasks"] = std::move(entries);
  // What ended the attempt before stays in view, beside the new one.
  json::object previous{{"attempt", facts.attempt}};
  for (std::string_view member : {"fault", "diagnostic", "recovery"}) {
    if (json::value* value = job.doc.if_contains(member)) previous[member] = std::move(*value);
    job.doc.erase(member);
  }
  job.doc["previousAttempt"] = std::move(previous);
  ecs::move_job(job.doc, now, ecs::kJobRunning, "RESTARTED",
                "attempt " + std::to_string(attempt) + " of " +
                    std::to_string(facts.max_attempts) + ": " +
                    std::to_string(launched.tasks.size()) + " tasks started" +
                    (where.empty() ? std::string() : " on " + where));
  std::ranges::move(launched.changes, std::back_inserter(changes));
}

// A diagnostic task's answer (gathered from the task) joins the job, as an
// agent's does (ecs::close_gpu_request).
void record_task_answer(const JobCheckFacts& check, json::object& job, double now) {
  json::value* stored = job.if_contains("diagnostic");
  if (check.task_arn.empty() || check.status == "PENDING" || !stored || !stored->is_object()) {
    return;
  }
  json::object& entry = stored->as_object();
  if (string_member(entry, "status") != "PENDING") return;
  entry["status"] = check.status;
  entry["output"] = check.output;
  entry["completedAt"] = now;
}

}  // namespace

state::Outcome advance_job(const ecs::Context& context, const std::string& cluster,
                           const std::string& job_id, const JobSettings& settings) {
  const state::JobRecord* current = context.state.job(cluster, job_id);
  if (!current) return {};
  JobFacts facts = gather_job_facts(context.state, *current);
  JobStep step = plan_job(facts, context.now);
  if (step.action == JobAction::kNone) return {};
  state::JobRecord job = *current;
  std::vector<state::Change> changes;
  const double now = context.now_seconds();
  // A check still PENDING when the job moves on had no answer in time: it
  // is withdrawn, so that its agent or its task does not go on with it.
  changes =
      ecs::withdraw_pending_checks(context, *current,
                                   "Job " + job_id + " moved on: no answer within " +
                                       std::to_string(kGpuRequestTimeout.count()) + " minutes");
  record_task_answer(facts.diagnostic, job.doc, now);
  if (step.hold_out) hold_out(context, facts, step, changes);
  switch (step.action) {
    case JobAction::kNone:
      break;
    case JobAction::kStop:
      stop_tasks(context, facts, step, changes);
      job.doc["fault"] = step.fault;
      if (step.avoid_instance) avoid(job.doc, string_member(step.fault, "containerInstanceArn"));
      ecs::move_job(job.doc, now, ecs::kJobStopping, step.event_action, step.message);
      break;
    case JobAction::kDiagnose:
    case JobAction::kRecover:
      if (std::string message = step.message;
          open_check(context, facts, step, settings, job, message, changes)) {
        ecs::move_job(
            job.doc, now,
            step.action == JobAction::kRecover ? ecs::kJobRecovering : ecs::kJobDiagnosing,
            step.event_action, std::move(message));
      } else if (facts.attempt >= facts.max_attempts) {  // the instance is gone
        ecs::move_job(job.doc, now, ecs::kJobFailed, "GIVE_UP",
                      "instance " + step.instance_id + " is gone, and attempt " +
                          std::to_string(facts.attempt) + " of " +
                          std::to_string(facts.max_attempts) + " was the last: the job failed");
      } else {
        JobStep gone = step;
        gone.event_action = "RESTART";
        gone.message = "instance " + step.instance_id + " is gone: restarting the job";
        restart(context, facts, gone, job, changes);
      }
      break;
    case JobAction::kRestart:
      restart(context, facts, step, job, changes);
      break;
    case JobAction::kFinish:
      ecs::move_job(job.doc, now, step.status, step.event_action, step.message);
      break;
  }
  if (job.doc != current->doc) changes.push_back(ecs::put_job(std::move(job)));
  return {std::move(changes), {}};
}

}  // namespace gantry::controllers
