// The job controller's plan (controllers/job_plan.h) over hand-built facts:
// every move of the header's state diagram, and the times it waits for.
#include "controllers/job_plan.h"

#include <gtest/gtest.h>

#include "ecs/jobs.h"

namespace gantry::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const core::SystemTime kNow = core::from_epoch_seconds(1700000000);
const std::string kArn = "arn:aws:ecs:us-east-1:1:";

std::string task_arn(const std::string& id) { return kArn + "task/c/" + id; }
std::string instance_arn(const std::string& id) { return kArn + "container-instance/c/" + id; }

JobTaskFacts task(const std::string& id, const std::string& instance,
                  std::vector<std::string> gpus) {
  JobTaskFacts t;
  t.arn = task_arn(id);
  t.instance_id = instance;
  t.instance_arn = instance_arn(instance);
  t.gpu_ids = std::move(gpus);
  t.last_status = "RUNNING";
  t.desired_status = "RUNNING";
  return t;
}

JobTaskFacts exited(JobTaskFacts t, std::vector<int> codes,
                    std::string code = "EssentialContainerExited",
                    std::string reason = "Essential container in task exited") {
  t.last_status = "STOPPED";
  t.desired_status = "STOPPED";
  t.stop_code = std::move(code);
  t.stopped_reason = std::move(reason);
  t.exit_codes = std::move(codes);
  return t;
}

// What the job controller stops its tasks with.
JobTaskFacts stopped_by_job(JobTaskFacts t) {
  return exited(std::move(t), {137}, "ServiceSchedulerInitiated", "stopped by the job");
}

JobGpuFacts gpu(const std::string& instance, double changed_at = 100,
                std::optional<double> baseline = 100) {
  JobGpuFacts g;
  g.instance_id = instance;
  g.instance_arn = instance_arn(instance);
  g.health.changed_at = changed_at;
  g.baseline_changed_at = baseline;
  return g;
}

JobGpuFacts fallen_off_the_bus(JobGpuFacts g) {
  g.health.health_status = std::string(model::kGpuUnhealthy);
  g.health.pci_bus_id = "00000000:18:00.0";
  g.health.reason = "XID_79";
  g.health.message = "XID 79: GPU has fallen off the bus";
  g.health.action = "RESET_GPU";
  g.health.last_xid = 79;
  g.health.changed_at = 150;
  return g;
}

// Two tasks of two GPUs each, on i1 and i2, all running, attempt 1 of 3.
JobFacts running_job() {
  JobFacts f;
  f.cluster = "c";
  f.id = "job1";
  f.status = std::string(ecs::kJobRunning);
  f.attempt = 1;
  f.max_attempts = 3;
  f.tasks = {task("t1", "i1", {"G-1a", "G-1b"}), task("t2", "i2", {"G-2a", "G-2b"})};
  for (const auto& t : f.tasks) {
    for (const auto& uuid : t.gpu_ids) {
      JobGpuFacts g = gpu(t.instance_id);
      g.health.uuid = uuid;
      f.gpus.emplace(uuid, g);
    }
  }
  return f;
}

JobFacts stopping_job(json::object fault) {
  JobFacts f = running_job();
  f.status = std::string(ecs::kJobStopping);
  for (auto& t : f.tasks) t = stopped_by_job(t);
  for (auto& [uuid, g] : f.gpus) g.held = false;
  f.fault = std::move(fault);
  return f;
}

JobCheckFacts check(std::string status, bool after_recovery = false,
                    core::SystemTime requested_at = kNow - 1min) {
  JobCheckFacts c;
  c.asked = true;
  c.status = std::move(status);
  c.instance_id = "i1";
  c.gpu_ids = {"G-1a"};
  c.requested_at = requested_at;
  c.after_recovery = after_recovery;
  return c;
}

JobFacts diagnosing_job(JobCheckFacts diagnostic, int attempt = 1) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultTaskFailed}});
  f.status = std::string(ecs::kJobDiagnosing);
  f.attempt = attempt;
  f.diagnostic = std::move(diagnostic);
  return f;
}

JobFacts recovering_job(JobCheckFacts recovery) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultGpuHardware}});
  f.status = std::string(ecs::kJobRecovering);
  f.recovery = std::move(recovery);
  return f;
}

// --- RUNNING ---------------------------------------------------------------

TEST(JobPlanTest, RunningTasksAndHealthyGpusAskForNothing) {
  JobStep step = plan_job(running_job(), kNow);
  EXPECT_EQ(step.action, JobAction::kNone);
  EXPECT_FALSE(step.wake_at);
}

TEST(JobPlanTest, AUserStopStopsTheOtherTasks) {
  JobFacts f = running_job();
  f.tasks[1].desired_status = "STOPPED";
  f.tasks[1].stop_code = "UserInitiated";
  f.tasks[1].stopped_reason = "Task stopped by user";
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.event_action, "STOP_TASKS");
  EXPECT_EQ(step.fault, (json::object{{"kind", "USER_STOPPED"}, {"taskArn", task_arn("t2")}}));
  EXPECT_EQ(step.stop_reason, "Job job1 stopped: its task t2 was stopped by the user");
  EXPECT_EQ(step.message, "task t2 was stopped by the user: stopping the job's other tasks");
  EXPECT_FALSE(step.avoid_instance);
}

TEST(JobPlanTest, AStopByAnyoneElseWaitsForTheTaskToStop) {
  JobFacts f = running_job();
  f.tasks[1].desired_status = "STOPPED";
  f.tasks[1].stop_code = "ServiceSchedulerInitiated";
  EXPECT_EQ(plan_job(f, kNow).action, JobAction::kNone);
}

TEST(JobPlanTest, AUserStopComesBeforeAGpuFault) {
  JobFacts f = running_job();
  f.tasks[1].desired_status = "STOPPED";
  f.tasks[1].stop_code = "UserInitiated";
  f.gpus["G-1a"] = fallen_off_the_bus(f.gpus["G-1a"]);
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.fault.at("kind"), "USER_STOPPED");
}

TEST(JobPlanTest, AnUnhealthyHeldGpuIsAHardwareFault) {
  JobFacts f = running_job();
  f.gpus["G-1b"] = fallen_off_the_bus(f.gpus["G-1b"]);
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.event_action, "STOP_TASKS");
  EXPECT_EQ(step.fault.at("kind"), "GPU_HARDWARE");
  EXPECT_EQ(step.fault.at("containerInstanceArn"), json::value(instance_arn("i1")));
  EXPECT_EQ(step.fault.at("gpuId"), "G-1b");
  EXPECT_EQ(step.fault.at("pciBusId"), "00000000:18:00.0");
  EXPECT_EQ(step.fault.at("gpuIds"), json::array{"G-1b"});
  EXPECT_EQ(step.fault.at("reason"), "XID_79");
  EXPECT_EQ(step.fault.at("message"), "XID 79: GPU has fallen off the bus");
  EXPECT_EQ(step.fault.at("action"), "RESET_GPU");
  EXPECT_EQ(step.fault.at("xid"), 79);
  EXPECT_EQ(step.stop_reason, "GPU G-1b XID 79: GPU has fallen off the bus");
  EXPECT_EQ(step.message,
            "GPU G-1b on i1 is unhealthy (XID 79: GPU has fallen off the bus): stopping the "
            "job's tasks");
  EXPECT_EQ(step.instance_id, "i1");
  EXPECT_EQ(step.gpus, std::vector<std::string>{"G-1b"});
  EXPECT_TRUE(step.avoid_instance);
}

TEST(JobPlanTest, AHardwareFaultTakesEveryUnhealthyGpuOfItsInstance) {
  JobFacts f = running_job();
  f.gpus["G-1a"] = fallen_off_the_bus(f.gpus["G-1a"]);
  f.gpus["G-1b"] = fallen_off_the_bus(f.gpus["G-1b"]);
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.fault.at("gpuId"), "G-1a");
  EXPECT_EQ(step.fault.at("gpuIds"), (json::array{"G-1a", "G-1b"}));
  EXPECT_EQ(step.gpus, (std::vector<std::string>{"G-1a", "G-1b"}));
}

TEST(JobPlanTest, ALostGpuWithoutAnXidNamesItsReason) {
  JobFacts f = running_job();
  JobGpuFacts& lost = f.gpus["G-2a"];
  lost.health.health_status = std::string(model::kGpuUnhealthy);
  lost.health.reason = "GPU_IS_LOST";
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_FALSE(step.fault.contains("xid"));
  EXPECT_EQ(step.fault.at("reason"), "GPU_IS_LOST");
  EXPECT_EQ(step.stop_reason, "GPU G-2a GPU_IS_LOST");
  EXPECT_EQ(step.instance_id, "i2");
}

TEST(JobPlanTest, AnUnhealthyGpuOfAStoppedTaskIsNotTheJobs) {
  JobFacts f = running_job();
  f.tasks[0] = exited(f.tasks[0], {0});
  f.gpus["G-1a"] = fallen_off_the_bus(f.gpus["G-1a"]);
  f.gpus["G-1a"].held = false;
  f.gpus["G-1b"].held = false;
  EXPECT_EQ(plan_job(f, kNow).action, JobAction::kNone);
}

TEST(JobPlanTest, AnApplicationXidSinceTheAttemptStartedIsAnApplicationFault) {
  JobFacts f = running_job();
  JobGpuFacts& g = f.gpus["G-2b"];
  g.health.last_xid = 13;
  g.health.changed_at = 120;
  g.health.pci_bus_id = "00000000:3b:00.0";
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.fault, (json::object{{"kind", "GPU_APPLICATION"},
                                      {"containerInstanceArn", instance_arn("i2")},
                                      {"gpuId", "G-2b"},
                                      {"pciBusId", "00000000:3b:00.0"},
                                      {"gpuIds", json::array{"G-2b"}},
                                      {"xid", 13},
                                      {"message", "XID 13"}}));
  EXPECT_EQ(step.stop_reason, "GPU G-2b XID 13");
  EXPECT_EQ(step.message,
            "GPU G-2b on i2 reported XID 13, an application error: stopping the job's tasks");
  EXPECT_FALSE(step.avoid_instance);
}

TEST(JobPlanTest, AnApplicationXidSaysItsMessage) {
  JobFacts f = running_job();
  JobGpuFacts& g = f.gpus["G-2b"];
  g.health.last_xid = 31;
  g.health.message = "XID 31: GPU memory page fault";
  g.health.changed_at = 120;
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.stop_reason, "GPU G-2b XID 31: GPU memory page fault");
  EXPECT_EQ(step.fault.at("message"), "XID 31: GPU memory page fault");
}

TEST(JobPlanTest, AnXidFromBeforeTheAttemptIsNotItsFault) {
  JobFacts f = running_job();
  f.gpus["G-2b"].health.last_xid = 13;  // changed_at 100, as its baseline
  EXPECT_EQ(plan_job(f, kNow).action, JobAction::kNone);
}

TEST(JobPlanTest, AnXidOnAGpuWithoutABaselineIsTheAttempts) {
  JobFacts f = running_job();
  f.gpus["G-2b"] = gpu("i2", 120, std::nullopt);
  f.gpus["G-2b"].health.uuid = "G-2b";
  f.gpus["G-2b"].health.last_xid = 13;
  EXPECT_EQ(plan_job(f, kNow).fault.at("kind"), "GPU_APPLICATION");
}

TEST(JobPlanTest, AHardwareFaultComesBeforeAnApplicationXid) {
  JobFacts f = running_job();
  f.gpus["G-1a"].health.last_xid = 13;
  f.gpus["G-1a"].health.changed_at = 120;
  f.gpus["G-2a"] = fallen_off_the_bus(f.gpus["G-2a"]);
  EXPECT_EQ(plan_job(f, kNow).fault.at("kind"), "GPU_HARDWARE");
}

TEST(JobPlanTest, ATaskThatExitedNonZeroFailedTheJob) {
  JobFacts f = running_job();
  f.tasks[1] = exited(f.tasks[1], {0, 1});
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.event_action, "STOP_TASKS");
  EXPECT_EQ(step.fault, (json::object{{"kind", "TASK_FAILED"},
                                      {"taskArn", task_arn("t2")},
                                      {"containerInstanceArn", instance_arn("i2")},
                                      {"gpuIds", json::array{"G-2a", "G-2b"}},
                                      {"reason", "Essential container in task exited"},
                                      {"exitCode", 1}}));
  EXPECT_EQ(step.stop_reason,
            "Job job1: its task t2 failed (Essential container in task exited, exit code 1)");
  EXPECT_EQ(step.message,
            "task t2 failed (Essential container in task exited, exit code 1): stopping the "
            "job's other tasks");
  EXPECT_EQ(step.instance_id, "i2");
  EXPECT_EQ(step.gpus, (std::vector<std::string>{"G-2a", "G-2b"}));
  EXPECT_FALSE(step.avoid_instance);
}

TEST(JobPlanTest, ATaskThatFailedToStartFailedTheJob) {
  JobFacts f = running_job();
  f.tasks[0] = exited(f.tasks[0], {}, "TaskFailedToStart", "CannotPullContainerError");
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.fault.at("kind"), "TASK_FAILED");
  EXPECT_FALSE(step.fault.contains("exitCode"));
  EXPECT_EQ(step.stop_reason, "Job job1: its task t1 failed (CannotPullContainerError)");
}

TEST(JobPlanTest, ATaskWhoseRecordIsGoneFailedTheJob) {
  JobFacts f = running_job();
  f.tasks[0].found = false;
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.stop_reason, "Job job1: its task t1 is gone");
}

TEST(JobPlanTest, EveryTaskExitedZeroSucceeds) {
  JobFacts f = running_job();
  f.attempt = 2;
  for (auto& t : f.tasks) t = exited(t, {0});
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kFinish);
  EXPECT_EQ(step.status, "SUCCEEDED");
  EXPECT_EQ(step.event_action, "SUCCEED");
  EXPECT_EQ(step.message, "every task exited 0 (attempt 2 of 3)");
}

TEST(JobPlanTest, SomeTasksExitedZeroWhileOthersRun) {
  JobFacts f = running_job();
  f.tasks[0] = exited(f.tasks[0], {0});
  EXPECT_EQ(plan_job(f, kNow).action, JobAction::kNone);
}

TEST(JobPlanTest, TaskSucceeded) {
  JobTaskFacts t = task("t1", "i1", {});
  EXPECT_FALSE(task_succeeded(t));  // running
  EXPECT_TRUE(task_succeeded(exited(t, {0})));
  EXPECT_TRUE(task_succeeded(exited(t, {0, 0})));
  EXPECT_FALSE(task_succeeded(exited(t, {0, 2})));
  EXPECT_FALSE(task_succeeded(exited(t, {})));  // no container said
  EXPECT_FALSE(task_succeeded(exited(t, {0}, "UserInitiated")));
  EXPECT_FALSE(task_succeeded(exited(t, {0}, "TaskFailedToStart")));
  JobTaskFacts gone = exited(t, {0});
  gone.found = false;
  EXPECT_FALSE(task_succeeded(gone));
  JobTaskFacts stopping = exited(t, {0});
  stopping.last_status = "DEPROVISIONING";
  EXPECT_FALSE(task_succeeded(stopping));
}

// --- STOPPING --------------------------------------------------------------

TEST(JobPlanTest, StoppingWaitsForEveryTaskToStop) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultUserStopped}, {"taskArn", task_arn("t2")}});
  f.tasks[0].last_status = "DEPROVISIONING";
  EXPECT_EQ(plan_job(f, kNow).action, JobAction::kNone);
  f.tasks[0].found = false;  // a task whose record expired is stopped
  EXPECT_EQ(plan_job(f, kNow).action, JobAction::kFinish);
}

TEST(JobPlanTest, StoppedByTheUser) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultUserStopped}, {"taskArn", task_arn("t2")}});
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kFinish);
  EXPECT_EQ(step.status, "STOPPED_BY_USER");
  EXPECT_EQ(step.event_action, "STOPPED_BY_USER");
  EXPECT_EQ(step.message, "the user stopped task t2; nothing restarts the job");
}

json::object application_fault() {
  return {{"kind", ecs::kFaultGpuApplication},
          {"containerInstanceArn", instance_arn("i2")},
          {"gpuId", "G-2b"},
          {"gpuIds", json::array{"G-2b"}},
          {"xid", 13},
          {"message", "XID 13"}};
}

TEST(JobPlanTest, AnApplicationFaultRestarts) {
  JobStep step = plan_job(stopping_job(application_fault()), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.event_action, "RESTART");
  EXPECT_EQ(step.message,
            "an application error on GPU G-2b (XID 13); restarting it as attempt 2 of 3");
}

TEST(JobPlanTest, AnApplicationFaultOnTheLastAttemptFails) {
  JobFacts f = stopping_job(application_fault());
  f.attempt = 3;
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kFinish);
  EXPECT_EQ(step.status, "FAILED");
  EXPECT_EQ(step.event_action, "GIVE_UP");
  EXPECT_EQ(step.message,
            "an application error on GPU G-2b (XID 13); attempt 3 of 3 was the last: the job "
            "failed");
}

TEST(JobPlanTest, AHardwareFaultRecoversItsGpus) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultGpuHardware},
                             {"containerInstanceArn", instance_arn("i1")},
                             {"gpuId", "G-1a"},
                             {"gpuIds", json::array{"G-1a", "G-1b"}}});
  f.attempt = 3;  // a recovery is no attempt
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kRecover);
  EXPECT_EQ(step.event_action, "RECOVER");
  EXPECT_EQ(step.instance_id, "i1");
  EXPECT_EQ(step.gpus, (std::vector<std::string>{"G-1a", "G-1b"}));
  EXPECT_EQ(step.message, "every task stopped: recovering GPU G-1a, G-1b on i1");
}

TEST(JobPlanTest, AFailedTaskWithGpusIsDiagnosed) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultTaskFailed},
                             {"taskArn", task_arn("t2")},
                             {"containerInstanceArn", instance_arn("i2")},
                             {"gpuIds", json::array{"G-2a", "G-2b"}},
                             {"exitCode", 1}});
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kDiagnose);
  EXPECT_EQ(step.event_action, "DIAGNOSE");
  EXPECT_EQ(step.instance_id, "i2");
  EXPECT_EQ(step.gpus, (std::vector<std::string>{"G-2a", "G-2b"}));
  EXPECT_FALSE(step.after_recovery);
  EXPECT_FALSE(step.avoid_instance);
  EXPECT_EQ(step.message,
            "every task stopped: diagnosing GPU G-2a, G-2b on i2 after task t2 failed");
}

TEST(JobPlanTest, AFailedTaskWithoutGpusRestarts) {
  JobFacts f = stopping_job({{"kind", ecs::kFaultTaskFailed},
                             {"taskArn", task_arn("t2")},
                             {"containerInstanceArn", instance_arn("i2")},
                             {"gpuIds", json::array{}}});
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.message, "task t2 failed and held no GPU; restarting it as attempt 2 of 3");
  f.attempt = 3;
  EXPECT_EQ(plan_job(f, kNow).status, "FAILED");
}

// --- DIAGNOSING ------------------------------------------------------------

TEST(JobPlanTest, APendingDiagnosticWaitsUntilItsTimeout) {
  core::SystemTime asked = kNow - 5min;
  JobStep step = plan_job(diagnosing_job(check("PENDING", false, asked)), kNow);
  EXPECT_EQ(step.action, JobAction::kNone);
  ASSERT_TRUE(step.wake_at);
  EXPECT_EQ(*step.wake_at, asked + kGpuRequestTimeout);
  EXPECT_EQ(kGpuRequestTimeout, 11min);
  // Just before the deadline it still waits.
  EXPECT_EQ(plan_job(diagnosing_job(check("PENDING", false, asked)), asked + 11min - 1s).action,
            JobAction::kNone);
}

TEST(JobPlanTest, ADiagnosticWithoutAnAnswerIsUnhealthy) {
  core::SystemTime asked = kNow - 11min;
  JobStep step = plan_job(diagnosing_job(check("PENDING", false, asked)), kNow);
  EXPECT_EQ(step.action, JobAction::kRecover);
  EXPECT_EQ(step.event_action, "RECOVER");
  EXPECT_TRUE(step.avoid_instance);
  EXPECT_FALSE(step.wake_at);
  EXPECT_EQ(step.instance_id, "i1");
  EXPECT_EQ(step.gpus, std::vector<std::string>{"G-1a"});
  EXPECT_EQ(step.message,
            "the diagnostic found GPU G-1a on i1 unhealthy (no answer from the agent within 11 "
            "minutes): recovering it");
}

TEST(JobPlanTest, AHealthyDiagnosticIsAnApplicationFailure) {
  JobCheckFacts healthy = check("HEALTHY");
  healthy.output = "dcgmi diag: Pass";
  JobStep step = plan_job(diagnosing_job(healthy), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.event_action, "RESTART");
  EXPECT_FALSE(step.avoid_instance);
  EXPECT_EQ(step.message,
            "the diagnostic found GPU G-1a on i1 healthy (dcgmi diag: Pass): an application "
            "failure; restarting it as attempt 2 of 3");
  // Without output, the answer is its status.
  EXPECT_EQ(plan_job(diagnosing_job(check("HEALTHY")), kNow).message,
            "the diagnostic found GPU G-1a on i1 healthy (HEALTHY): an application failure; "
            "restarting it as attempt 2 of 3");
}

TEST(JobPlanTest, AnUnhealthyDiagnosticRecovers) {
  JobCheckFacts unhealthy = check("UNHEALTHY");
  unhealthy.output = "row remap pending";
  JobStep step = plan_job(diagnosing_job(unhealthy, 3), kNow);
  EXPECT_EQ(step.action, JobAction::kRecover);
  EXPECT_TRUE(step.avoid_instance);
  EXPECT_EQ(step.message,
            "the diagnostic found GPU G-1a on i1 unhealthy (row remap pending): recovering it");
}

TEST(JobPlanTest, HealthyAfterTheRecoveryRestarts) {
  JobStep step = plan_job(diagnosing_job(check("HEALTHY", true)), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.message,
            "GPU G-1a on i1 checks healthy after its recovery and serves again; restarting it "
            "as attempt 2 of 3");
}

TEST(JobPlanTest, UnhealthyAfterTheRecoveryRestartsWithoutIt) {
  JobCheckFacts unhealthy = check("UNHEALTHY", true);
  unhealthy.output = "still lost";
  JobStep step = plan_job(diagnosing_job(unhealthy), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_NE(step.message.find("stays out of service"), std::string::npos) << step.message;
  EXPECT_EQ(step.message,
            "GPU G-1a on i1 stays out of service until an operator returns it (gantry gpus "
            "return): still lost; restarting it as attempt 2 of 3");
}

TEST(JobPlanTest, AnAgentsDiagnosticHoldsItsGpusItselfATasksIsPassedOn) {
  JobCheckFacts by_agent = check("UNHEALTHY", true);
  EXPECT_FALSE(plan_job(diagnosing_job(by_agent), kNow).hold_out);
  JobCheckFacts by_task = check("UNHEALTHY", true);
  by_task.task_arn = task_arn("diag1");
  JobStep step = plan_job(diagnosing_job(by_task), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_TRUE(step.hold_out);
  EXPECT_EQ(step.instance_id, "i1");
  EXPECT_EQ(step.gpus, std::vector<std::string>{"G-1a"});
  // Before a recovery an unhealthy verdict recovers: nothing to hold yet.
  JobCheckFacts first = check("UNHEALTHY", false);
  first.task_arn = task_arn("diag0");
  EXPECT_FALSE(plan_job(diagnosing_job(first), kNow).hold_out);
}

TEST(JobPlanTest, AHealthyVerdictDoesNotReturnAGpuWhoseFaultHolds) {
  JobFacts f = diagnosing_job(check("HEALTHY", true));
  f.gpus["G-1a"] = fallen_off_the_bus(f.gpus["G-1a"]);
  f.gpus["G-1a"].held = false;
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.message,
            "GPU G-1a on i1 checks healthy, but its fault holds (XID 79: GPU has fallen off the "
            "bus): it stays out of service until an operator returns it (gantry gpus return); "
            "restarting it as attempt 2 of 3");
}

TEST(JobPlanTest, TheLastAttemptFailsAfterItsDiagnostic) {
  for (bool after_recovery : {false, true}) {
    JobStep step = plan_job(diagnosing_job(check("HEALTHY", after_recovery), 3), kNow);
    EXPECT_EQ(step.action, JobAction::kFinish);
    EXPECT_EQ(step.status, "FAILED");
    EXPECT_EQ(step.event_action, "GIVE_UP");
    EXPECT_TRUE(step.message.ends_with("; attempt 3 of 3 was the last: the job failed"))
        << step.message;
  }
  JobStep step = plan_job(diagnosing_job(check("UNHEALTHY", true), 3), kNow);
  EXPECT_EQ(step.action, JobAction::kFinish);
  EXPECT_EQ(step.status, "FAILED");
}

TEST(JobPlanTest, ALostDiagnosticRestarts) {
  JobStep step = plan_job(diagnosing_job(JobCheckFacts{}), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.message, "the diagnostic is lost; restarting it as attempt 2 of 3");
}

// --- RECOVERING ------------------------------------------------------------

TEST(JobPlanTest, APendingRecoveryWaits) {
  core::SystemTime asked = kNow - 1min;
  JobStep step = plan_job(recovering_job(check("PENDING", false, asked)), kNow);
  EXPECT_EQ(step.action, JobAction::kNone);
  ASSERT_TRUE(step.wake_at);
  EXPECT_EQ(*step.wake_at, asked + 11min);
}

TEST(JobPlanTest, ARecoveredGpuIsDiagnosedAgain) {
  JobStep step = plan_job(recovering_job(check("RECOVERED")), kNow);
  EXPECT_EQ(step.action, JobAction::kDiagnose);
  EXPECT_EQ(step.event_action, "DIAGNOSE");
  EXPECT_TRUE(step.after_recovery);
  EXPECT_EQ(step.instance_id, "i1");
  EXPECT_EQ(step.gpus, std::vector<std::string>{"G-1a"});
  EXPECT_EQ(step.message, "the recovery of GPU G-1a on i1 succeeded: diagnosing it again");
}

TEST(JobPlanTest, AFailedRecoveryIsDiagnosedAgainToo) {
  JobCheckFacts failed = check("FAILED");
  failed.output = "nvidia-smi -r: exit 3";
  JobStep step = plan_job(recovering_job(failed), kNow);
  EXPECT_EQ(step.action, JobAction::kDiagnose);
  EXPECT_TRUE(step.after_recovery);
  EXPECT_EQ(step.message,
            "the recovery of GPU G-1a on i1 failed (nvidia-smi -r: exit 3): diagnosing it again");
}

TEST(JobPlanTest, ARecoveryWithoutAnAnswerIsDiagnosed) {
  JobStep step = plan_job(recovering_job(check("PENDING", false, kNow - 12min)), kNow);
  EXPECT_EQ(step.action, JobAction::kDiagnose);
  EXPECT_TRUE(step.after_recovery);
  EXPECT_EQ(step.message,
            "the recovery of GPU G-1a on i1 failed (no answer from the agent within 11 "
            "minutes): diagnosing it again");
}

TEST(JobPlanTest, ALostRecoveryRestarts) {
  JobStep step = plan_job(recovering_job(JobCheckFacts{}), kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.message, "the recovery is lost; restarting it as attempt 2 of 3");
}

TEST(JobPlanTest, ATaskLostWithItsInstanceIsAFailureNotAUserStop) {
  JobFacts f = running_job();
  // A forced deregistration: UserInitiated, its agent gone with the instance.
  f.tasks[0].desired_status = "STOPPED";
  f.tasks[0].stop_code = "UserInitiated";
  f.tasks[0].stopped_reason = "Container instance deregistered";
  f.tasks[0].instance_gone = true;
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kStop);
  EXPECT_EQ(step.fault.at("kind"), "TASK_FAILED");
  EXPECT_EQ(step.fault.at("instanceGone"), true);
  EXPECT_EQ(step.stop_reason, "Job job1: its task t1 was lost with its container instance i1");
  // Once its sibling stopped, the lost one counts as stopped too: restart.
  JobFacts stopping = stopping_job(step.fault);
  stopping.tasks[0] = f.tasks[0];
  step = plan_job(stopping, kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.message,
            "task t1 was lost with its container instance i1; restarting it as attempt 2 of 3");
}

// --- RESTARTING and the end ------------------------------------------------

TEST(JobPlanTest, RestartingTriesToLaunchAgain) {
  JobFacts f = stopping_job(application_fault());
  f.status = std::string(ecs::kJobRestarting);
  JobStep step = plan_job(f, kNow);
  EXPECT_EQ(step.action, JobAction::kRestart);
  EXPECT_EQ(step.event_action, "RESTART");
}

TEST(JobPlanTest, AFinishedJobAsksForNothing) {
  for (std::string_view status : {ecs::kJobSucceeded, ecs::kJobFailed, ecs::kJobStoppedByUser}) {
    JobFacts f = running_job();
    f.status = std::string(status);
    f.tasks[0] = exited(f.tasks[0], {1});
    f.gpus["G-2a"] = fallen_off_the_bus(f.gpus["G-2a"]);
    JobStep step = plan_job(f, kNow);
    EXPECT_EQ(step.action, JobAction::kNone) << status;
    EXPECT_FALSE(step.wake_at) << status;
    EXPECT_TRUE(ecs::job_finished(status));
  }
  EXPECT_FALSE(ecs::job_finished(ecs::kJobRestarting));
}

}  // namespace
}  // namespace gantry::controllers
