#include "controllers/job_plan.h"

#include <charconv>

#include "core/arn.h"
#include "core/json_members.h"
#include "ecs/jobs.h"

namespace gantry::controllers {

namespace json = boost::json;
using core::string_member;

namespace {

// A task on an instance that left the cluster is as good as stopped.
bool stopped(const JobTaskFacts& task) {
  return !task.found || task.instance_gone || task.last_status == "STOPPED";
}

std::string short_id(std::string_view arn) { return std::string(core::arn_last_segment(arn)); }

// "XID_79" -> 79; else the last XID the GPU raised.
int xid_of(const model::GpuHealth& health) {
  int xid = 0;
  if (health.reason.starts_with("XID_")) {
    std::string_view digits = std::string_view(health.reason).substr(4);
    std::from_chars(digits.data(), digits.data() + digits.size(), xid);
  }
  return xid ? xid : health.last_xid;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

std::vector<std::string> strings_of(const json::object& object, std::string_view member) {
  std::vector<std::string> out;
  if (const json::array* items = core::array_member(object, member)) {
    for (const auto& item : *items) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
  }
  return out;
}

std::string attempts(const JobFacts& facts) {
  return "attempt " + std::to_string(facts.attempt) + " of " + std::to_string(facts.max_attempts);
}

JobStep restart_or_fail(const JobFacts& facts, std::string why) {
  JobStep step;
  if (facts.attempt >= facts.max_attempts) {
    step.action = JobAction::kFinish;
    step.status = ecs::kJobFailed;
    step.event_action = "GIVE_UP";
    step.message = why + "; " + attempts(facts) + " was the last: the job failed";
  } else {
    step.action = JobAction::kRestart;
    step.event_action = "RESTART";
    step.message = why + "; restarting it as attempt " + std::to_string(facts.attempt + 1) +
                   " of " + std::to_string(facts.max_attempts);
  }
  return step;
}

JobStep ask(JobAction action, std::string instance_id, std::vector<std::string> gpus,
            std::string message) {
  JobStep step;
  step.action = action;
  step.event_action = action == JobAction::kRecover ? "RECOVER" : "DIAGNOSE";
  step.instance_id = std::move(instance_id);
  step.gpus = std::move(gpus);
  step.message = std::move(message);
  return step;
}

// A diagnostic or recovery still waiting for its answer, within its time.
std::optional<JobStep> still_waiting(const JobCheckFacts& check, core::SystemTime now) {
  if (check.status != "PENDING") return std::nullopt;
  core::SystemTime deadline = check.requested_at + kGpuRequestTimeout;
  if (now >= deadline) return std::nullopt;
  JobStep wait;
  wait.wake_at = deadline;
  return wait;
}

// What an answer said, or that none came.
std::string answer_of(const JobCheckFacts& check) {
  if (check.status == "PENDING") return "no answer from the agent within 11 minutes";
  return check.output.empty() ? check.status : check.output;
}

JobStep on_running(const JobFacts& facts) {
  const std::string job = "Job " + facts.id;
  for (const JobTaskFacts& task : facts.tasks) {
    // A forced deregistration stops its tasks as UserInitiated too: that is
    // the node's loss, not the user's wish to end the job.
    if (task.desired_status == "STOPPED" && task.stop_code == "UserInitiated" &&
        !task.instance_gone) {
      JobStep step;
      step.action = JobAction::kStop;
      step.event_action = "STOP_TASKS";
      step.fault = {{"kind", ecs::kFaultUserStopped}, {"taskArn", task.arn}};
      step.stop_reason = job + " stopped: its task " + short_id(task.arn) + " was stopped by the user";
      step.message = "task " + short_id(task.arn) +
                     " was stopped by the user: stopping the job's other tasks";
      return step;
    }
  }
  for (const auto& [uuid, gpu] : facts.gpus) {
    if (!gpu.held || gpu.health.healthy()) continue;
    std::vector<std::string> faulty;
    for (const auto& [other, same] : facts.gpus) {
      if (same.instance_id == gpu.instance_id && !same.health.healthy()) faulty.push_back(other);
    }
    JobStep step;
    step.action = JobAction::kStop;
    step.event_action = "STOP_TASKS";
    std::string what = gpu.health.message.empty() ? gpu.health.reason : gpu.health.message;
    step.fault = {{"kind", ecs::kFaultGpuHardware},
                  {"containerInstanceArn", gpu.instance_arn},
                  {"gpuId", uuid},
                  {"pciBusId", gpu.health.pci_bus_id},
                  {"gpuIds", string_array(faulty)},
                  {"reason", gpu.health.reason},
                  {"message", gpu.health.message},
                  {"action", gpu.health.action}};
    if (int xid = xid_of(gpu.health)) step.fault["xid"] = xid;
    step.stop_reason = "GPU " + uuid + " " + what;
    step.message = "GPU " + uuid + " on " + gpu.instance_id + " is unhealthy (" + what +
                   "): stopping the job's tasks";
    step.instance_id = gpu.instance_id;
    step.gpus = std::move(faulty);
    step.avoid_instance = true;
    return step;
  }
  for (const auto& [uuid, gpu] : facts.gpus) {
    if (!gpu.held || gpu.health.last_xid == 0 || gpu.health.changed_at == gpu.baseline_changed_at.value_or(0)) {
      continue;
    }
    JobStep step;
    step.action = JobAction::kStop;
    step.event_action = "STOP_TASKS";
    std::string what = gpu.health.message.empty() ? "XID " + std::to_string(gpu.health.last_xid)
                                                  : gpu.health.message;
    step.fault = {{"kind", ecs::kFaultGpuApplication},
                  {"containerInstanceArn", gpu.instance_arn},
                  {"gpuId", uuid},
                  {"pciBusId", gpu.health.pci_bus_id},
                  {"gpuIds", json::array{json::value(uuid)}},
                  {"xid", gpu.health.last_xid},
                  {"message", what}};
    step.stop_reason = "GPU " + uuid + " " + what;
    step.message = "GPU " + uuid + " on " + gpu.instance_id + " reported " + what +
                   ", an application error: stopping the job's tasks";
    return step;
  }
  bool all_done = true;
  for (const JobTaskFacts& task : facts.tasks) {
    if (!stopped(task)) {
      all_done = false;
      continue;
    }
    if (task_succeeded(task)) continue;
    std::optional<int> exit_code;
    for (int code : task.exit_codes) {
      if (code != 0) {
        exit_code = code;
        break;
      }
    }
    std::string why =
        !task.found ? "is gone"
        : task.instance_gone
            ? "was lost with its container instance " + task.instance_id
            : "failed (" + task.stopped_reason +
                  (exit_code ? ", exit code " + std::to_string(*exit_code) : std::string()) + ")";
    JobStep step;
    step.action = JobAction::kStop;
    step.event_action = "STOP_TASKS";
    step.fault = {{"kind", ecs::kFaultTaskFailed},
                  {"taskArn", task.arn},
                  {"containerInstanceArn", task.instance_arn},
                  {"gpuIds", string_array(task.gpu_ids)},
                  {"reason", task.stopped_reason}};
    if (exit_code) step.fault["exitCode"] = *exit_code;
    if (task.instance_gone) step.fault["instanceGone"] = true;
    step.stop_reason = job + ": its task " + short_id(task.arn) + " " + why;
    step.message = "task " + short_id(task.arn) + " " + why + ": stopping the job's other tasks";
    step.instance_id = task.instance_id;
    step.gpus = task.gpu_ids;
    return step;
  }
  if (all_done) {
    JobStep step;
    step.action = JobAction::kFinish;
    step.status = ecs::kJobSucceeded;
    step.event_action = "SUCCEED";
    step.message = "every task exited 0 (" + attempts(facts) + ")";
    return step;
  }
  return {};
}

JobStep on_stopped(const JobFacts& facts) {
  const json::object& fault = facts.fault;
  std::string kind = string_member(fault, "kind");
  std::string instance = short_id(string_member(fault, "containerInstanceArn"));
  std::vector<std::string> gpus = strings_of(fault, "gpuIds");
  if (kind == ecs::kFaultUserStopped) {
    JobStep step;
    step.action = JobAction::kFinish;
    step.status = ecs::kJobStoppedByUser;
    step.event_action = "STOPPED_BY_USER";
    step.message = "the user stopped task " + short_id(string_member(fault, "taskArn")) +
                   "; nothing restarts the job";
    return step;
  }
  if (kind == ecs::kFaultGpuApplication) {
    return restart_or_fail(facts, "an application error on GPU " + joined(gpus) + " (" +
                                      string_member(fault, "message") + ")");
  }
  if (kind == ecs::kFaultGpuHardware) {
    return ask(JobAction::kRecover, instance, gpus,
               "every task stopped: recovering GPU " + joined(gpus) + " on " + instance);
  }
  std::string task = short_id(string_member(fault, "taskArn"));
  if (core::bool_member(fault, "instanceGone", false)) {
    return restart_or_fail(facts,
                           "task " + task + " was lost with its container instance " + instance);
  }
  if (gpus.empty() || instance.empty()) {
    return restart_or_fail(facts, "task " + task + " failed and held no GPU");
  }
  return ask(JobAction::kDiagnose, instance, gpus,
             "every task stopped: diagnosing GPU " + joined(gpus) + " on " + instance +
                 " after task " + task + " failed");
}

JobStep on_diagnosed(const JobFacts& facts, core::SystemTime now) {
  const JobCheckFacts& check = facts.diagnostic;
  if (!check.asked) return restart_or_fail(facts, "the diagnostic is lost");
  if (auto wait = still_waiting(check, now)) return *wait;
  const bool healthy = check.status == "HEALTHY";
  const std::string gpus = "GPU " + joined(check.gpu_ids) + " on " + check.instance_id;
  if (!check.after_recovery) {
    if (healthy) {
      return restart_or_fail(facts, "the diagnostic found " + gpus + " healthy (" +
                                        answer_of(check) + "): an application failure");
    }
    JobStep step = ask(JobAction::kRecover, check.instance_id, check.gpu_ids,
                       "the diagnostic found " + gpus + " unhealthy (" + answer_of(check) +
                           "): recovering it");
    step.avoid_instance = true;
    return step;
  }
  // A fault the agent holds (the recovery did not clear it) keeps the GPU
  // out, whatever a diagnostic task says.
  std::string held;
  for (const auto& uuid : check.gpu_ids) {
    auto gpu = facts.gpus.find(uuid);
    if (gpu != facts.gpus.end() && !gpu->second.health.healthy()) {
      held = gpu->second.health.message.empty() ? gpu->second.health.reason
                                                : gpu->second.health.message;
      break;
    }
  }
  if (healthy && held.empty()) {
    return restart_or_fail(facts, gpus + " checks healthy after its recovery and serves again");
  }
  if (healthy) {
    return restart_or_fail(facts, gpus + " checks healthy, but its fault holds (" + held +
                                      "): it stays out of service until an operator returns "
                                      "it (gantry gpus return)");
  }
  JobStep step = restart_or_fail(facts, gpus +
                                            " stays out of service until an operator returns "
                                            "it (gantry gpus return): " +
                                            answer_of(check));
  // An agent holds the GPUs its own diagnostic failed; a task's verdict is
  // passed to it.
  step.hold_out = !check.task_arn.empty();
  step.instance_id = check.instance_id;
  step.gpus = check.gpu_ids;
  return step;
}

JobStep on_recovered(const JobFacts& facts, core::SystemTime now) {
  const JobCheckFacts& check = facts.recovery;
  if (!check.asked) return restart_or_fail(facts, "the recovery is lost");
  if (auto wait = still_waiting(check, now)) return *wait;
  const std::string gpus = "GPU " + joined(check.gpu_ids) + " on " + check.instance_id;
  std::string outcome = check.status == "RECOVERED"
                            ? "the recovery of " + gpus + " succeeded"
                            : "the recovery of " + gpus + " failed (" + answer_of(check) + ")";
  JobStep step = ask(JobAction::kDiagnose, check.instance_id, check.gpu_ids,
                     outcome + ": diagnosing it again");
  step.after_recovery = true;
  return step;
}

}  // namespace

JobStep plan_job(const JobFacts& facts, core::SystemTime now) {
  const std::string& status = facts.status;
  if (status == ecs::kJobRunning) return on_running(facts);
  if (status == ecs::kJobStopping) {
    for (const JobTaskFacts& task : facts.tasks) {
      if (!stopped(task)) return {};  // its agent has not stopped it yet
    }
    return on_stopped(facts);
  }
  if (status == ecs::kJobDiagnosing) return on_diagnosed(facts, now);
  if (status == ecs::kJobRecovering) return on_recovered(facts, now);
  if (status == ecs::kJobRestarting) {
    JobStep step;
    step.action = JobAction::kRestart;
    step.event_action = "RESTART";
    return step;
  }
  return {};  // finished
}

}  // namespace gantry::controllers
