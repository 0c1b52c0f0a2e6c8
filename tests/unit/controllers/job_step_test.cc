// The job's steps from fault or failure to restart, success or its end.
#include "controllers/job_step.h"

#include <gtest/gtest.h>

#include "job_fixture.h"

namespace gantry::controllers {
namespace {

using JobStepTest = JobTest;

TEST_F(JobStepTest, AHardwareFaultStopsRecoversDiagnosesAndRestartsElsewhere) {
  start();
  report_all("RUNNING");
  EXPECT_EQ(advance(), 0u);
  auto first = job_tasks();
  const std::string faulty = first[0].instance_id;
  const std::string uuid = first[0].gpus[1];

  // XID 79 on a GPU of task 1: every task stops.
  report_xid79(faulty, uuid);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "STOPPING");
  const std::string reason = "GPU " + uuid + " " + kXid79;
  for (const auto& t : first) {
    json::object d = task_doc(t.id);
    EXPECT_EQ(d.at("desiredStatus"), "STOPPED");
    EXPECT_EQ(d.at("stopCode"), "ServiceSchedulerInitiated");
    EXPECT_EQ(d.at("stoppedReason"), json::value(reason));
  }
  const json::object& fault = doc().at("fault").as_object();
  EXPECT_EQ(fault.at("kind"), "GPU_HARDWARE");
  EXPECT_EQ(fault.at("gpuId"), json::value(uuid));
  EXPECT_EQ(fault.at("xid"), 79);
  EXPECT_EQ(fault.at("containerInstanceArn"), json::value(draft_.instance("c", faulty)->arn()));
  EXPECT_EQ(doc().at("avoidInstances"),
            json::array{json::value(draft_.instance("c", faulty)->arn())});
  EXPECT_EQ(doc().at("statusReason"),
            json::value("GPU " + uuid + " on " + faulty + " is unhealthy (" + kXid79 +
                        "): stopping the job's tasks"));
  // Until the tasks stopped, nothing more.
  EXPECT_EQ(advance(), 0u);
  report(first[0].id, "STOPPED", 137);
  EXPECT_EQ(advance(), 0u);
  report(first[1].id, "STOPPED", 137);

  // Every task stopped: the instance recovers the faulty GPU.
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RECOVERING");
  auto open = requests_on(faulty);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "recover");
  EXPECT_EQ(open[0].gpus, std::vector<std::string>{uuid});
  EXPECT_EQ(open[0].id.substr(0, 19), job_id_.substr(0, 8) + "-1-recover-");
  EXPECT_EQ(draft_.instance("c", faulty)->gpu_requests.at(0).at("job"),
            json::value("c/" + job_id_));
  const json::object& recovery = doc().at("recovery").as_object();
  EXPECT_EQ(recovery.at("status"), "PENDING");
  EXPECT_EQ(recovery.at("requestId"), json::value(open[0].id));
  EXPECT_EQ(recovery.at("gpuIds"), json::array{json::value(uuid)});
  for (const auto& other : instances_) {
    if (other != faulty) {
      EXPECT_TRUE(requests_on(other).empty());
    }
  }
  EXPECT_EQ(advance(), 0u);  // waits for the answer

  // The recovery fails: diagnose again.
  answer(faulty, false, "reset failed");
  EXPECT_EQ(doc().at("recovery").at("status"), "FAILED");
  EXPECT_EQ(doc().at("recovery").at("output"), "reset failed");
  EXPECT_TRUE(requests_on(faulty).empty());
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "DIAGNOSING");
  EXPECT_EQ(doc().at("diagnostic").at("afterRecovery"), true);
  open = requests_on(faulty);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "diagnose");
  EXPECT_EQ(open[0].gpus, std::vector<std::string>{uuid});

  // Still unhealthy: attempt 2 starts on the other two instances.
  answer(faulty, false, "GPU is lost");
  EXPECT_EQ(doc().at("diagnostic").at("status"), "UNHEALTHY");
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  auto second = job_tasks();
  ASSERT_EQ(second.size(), 2u);
  std::set<std::string> where;
  for (const auto& t : second) {
    EXPECT_NE(t.instance_id, faulty);
    EXPECT_NE(t.arn, first[0].arn);
    EXPECT_NE(t.arn, first[1].arn);
    EXPECT_EQ(doc().at("tasks").at(where.size()).at("attempt"), 2);
    where.insert(t.instance_id);
    EXPECT_EQ(task(t.id).desired_status(), "RUNNING");
  }
  EXPECT_EQ(where.size(), 2u);
  EXPECT_EQ(doc().at("previousAttempt").at("attempt"), 1);
  EXPECT_EQ(doc().at("previousAttempt").at("fault").at("kind"), "GPU_HARDWARE");
  EXPECT_EQ(doc().at("previousAttempt").at("recovery").at("status"), "FAILED");
  EXPECT_EQ(doc().at("previousAttempt").at("diagnostic").at("status"), "UNHEALTHY");
  EXPECT_FALSE(doc().contains("fault"));
  EXPECT_FALSE(doc().contains("diagnostic"));
  EXPECT_FALSE(doc().contains("recovery"));

  const json::array& events = doc().at("events").as_array();
  EXPECT_EQ(event_statuses(), (std::vector<std::string>{"RUNNING", "STOPPING", "RECOVERING",
                                                        "DIAGNOSING", "RESTARTING", "RUNNING"}));
  std::vector<std::string> actions;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].at("id"), static_cast<int64_t>(i + 1));
    actions.emplace_back(events[i].at("action").as_string());
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"STARTED", "STOP_TASKS", "RECOVER", "DIAGNOSE",
                                               "RESTART", "RESTARTED"}));
  EXPECT_NE(std::string(events[4].at("message").as_string()).find("stays out of service"),
            std::string::npos);
  std::string expected = "attempt 2 of 3: 2 tasks started on ";
  EXPECT_TRUE(std::string(events[5].at("message").as_string()).starts_with(expected))
      << events[5].at("message");
  EXPECT_EQ(doc().at("statusReason"), events[5].at("message"));
  // The faulty GPU's XID is no fault of attempt 2.
  report_all("RUNNING");
  EXPECT_EQ(advance(), 0u);
}

TEST_F(JobStepTest, AFailingJobFailsAfterItsLastAttempt) {
  start("2");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    SCOPED_TRACE(attempt);
    report_all("RUNNING");
    auto tasks = job_tasks();
    ASSERT_EQ(tasks.size(), 2u);
    report(tasks[1].id, "STOPPED", 1);
    EXPECT_EQ(task_doc(tasks[1].id).at("stopCode"), "EssentialContainerExited");
    EXPECT_GT(advance(), 0u);
    EXPECT_EQ(status(), "STOPPING");
    EXPECT_EQ(doc().at("fault").at("kind"), "TASK_FAILED");
    EXPECT_EQ(doc().at("fault").at("exitCode"), 1);
    EXPECT_EQ(task_doc(tasks[0].id).at("desiredStatus"), "STOPPED");
    EXPECT_EQ(task_doc(tasks[0].id).at("stoppedReason"),
              json::value("Job " + job_id_ + ": its task " + tasks[1].id +
                          " failed (Essential container in task exited, exit code 1)"));
    report(tasks[0].id, "STOPPED", 137);
    EXPECT_GT(advance(), 0u);
    EXPECT_EQ(status(), "DIAGNOSING");
    EXPECT_EQ(doc().at("diagnostic").at("afterRecovery"), false);
    auto open = requests_on(tasks[1].instance_id);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].kind, "diagnose");
    EXPECT_EQ(open[0].gpus, tasks[1].gpus);
    answer(tasks[1].instance_id, true, "all checks passed");
    EXPECT_GT(advance(), 0u);
  }
  EXPECT_EQ(status(), "FAILED");
  EXPECT_EQ(doc().at("attempt"), 2);
  EXPECT_TRUE(std::string(doc().at("statusReason").as_string())
                  .ends_with("an application failure; attempt 2 of 2 was the last: the job "
                             "failed"))
      << doc().at("statusReason");
  EXPECT_EQ(doc().at("events").as_array().back().at("action"), "GIVE_UP");
  EXPECT_EQ(event_statuses(),
            (std::vector<std::string>{"RUNNING", "STOPPING", "DIAGNOSING", "RESTARTING", "RUNNING",
                                      "STOPPING", "DIAGNOSING", "FAILED"}));
  EXPECT_EQ(draft_.tasks("c").size(), 4u);  // no third attempt
  EXPECT_EQ(advance(), 0u);
}

TEST_F(JobStepTest, AUserStopEndsTheJobWithoutARestart) {
  start();
  report_all("RUNNING");
  auto tasks = job_tasks();
  ecs::StopTask stop;
  stop.cluster = "c";
  stop.task = tasks[0].arn;
  apply(ecs::stop_task(context(), stop).changes);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "STOPPING");
  EXPECT_EQ(doc().at("fault").at("kind"), "USER_STOPPED");
  EXPECT_EQ(task_doc(tasks[1].id).at("desiredStatus"), "STOPPED");
  EXPECT_EQ(task_doc(tasks[1].id).at("stoppedReason"),
            json::value("Job " + job_id_ + " stopped: its task " + tasks[0].id +
                        " was stopped by the user"));
  EXPECT_EQ(task_doc(tasks[0].id).at("stoppedReason"), "Task stopped by user");
  report_all("STOPPED");
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "STOPPED_BY_USER");
  EXPECT_EQ(doc().at("statusReason"),
            json::value("the user stopped task " + tasks[0].id + "; nothing restarts the job"));
  EXPECT_EQ(advance(), 0u);
  EXPECT_EQ(draft_.tasks("c").size(), 2u);
  for (const auto& instance : instances_) EXPECT_TRUE(requests_on(instance).empty());
}

TEST_F(JobStepTest, EveryTaskExitingZeroSucceeds) {
  start();
  report_all("RUNNING");
  auto tasks = job_tasks();
  report(tasks[0].id, "STOPPED", 0);
  EXPECT_EQ(advance(), 0u);
  report(tasks[1].id, "STOPPED", 0);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "SUCCEEDED");
  EXPECT_EQ(doc().at("statusReason"), "every task exited 0 (attempt 1 of 3)");
}

TEST_F(JobStepTest, ADiagnosticWithoutAnAnswerRecoversAfterItsTimeout) {
  auto tasks = fail_task_and_diagnose();
  EXPECT_EQ(advance(), 0u);
  clock_.advance(kGpuRequestTimeout);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RECOVERING");
  auto arn = draft_.instance("c", tasks[1].instance_id)->arn();
  EXPECT_EQ(doc().at("avoidInstances"), json::array{json::value(arn)});
  // The diagnostic that had no answer is withdrawn: only the recovery is open.
  auto open = requests_on(tasks[1].instance_id);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "recover");
  EXPECT_EQ(doc().at("recovery").at("requestId"), json::value(open[0].id));
  EXPECT_EQ(doc().at("statusReason"),
            json::value("the diagnostic found GPU " + tasks[1].gpus[0] + ", " + tasks[1].gpus[1] +
                        " on " + tasks[1].instance_id +
                        " unhealthy (no answer from the agent within 11 minutes): recovering it"));
}

TEST_F(JobStepTest, ARestartWithoutRoomWaitsUntilTheGpusServeAgain) {
  run(run_request(job_tags(), 3));  // one task on every instance
  job_id_ = draft_.jobs("c").begin()->second->id();
  report_all("RUNNING");
  auto first = job_tasks();
  const std::string faulty = first[0].instance_id;
  report_xid79(faulty, first[0].gpus[0]);
  advance();
  report_all("STOPPED");
  advance();
  answer(faulty, false, "reset failed");
  advance();
  answer(faulty, false, "still lost");
  EXPECT_GT(advance(), 0u);
  // Nowhere for the third task: the job waits, and says why.
  EXPECT_EQ(status(), "RESTARTING");
  EXPECT_EQ(doc().at("attempt"), 1);
  EXPECT_TRUE(std::string(doc().at("statusReason").as_string())
                  .starts_with("attempt 2 waits for room to launch its tasks: "))
      << doc().at("statusReason");
  EXPECT_EQ(draft_.tasks("c").size(), 3u);
  EXPECT_EQ(advance(), 0u);  // no room yet, and nothing written
  EXPECT_EQ(event_statuses().back(), "RESTARTING");

  // The operator returns the GPU: the restart takes the instance it avoided.
  clock_.advance(1s);
  std::vector<model::GpuHealth> gpus;
  for (const auto& uuid : gpus_of(faulty)) {
    gpus.push_back({.uuid = uuid, .last_xid = 79, .changed_at = context().now_seconds()});
  }
  apply(ecs::report_gpu_health(context(), {"c", faulty, gpus}));
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  std::set<std::string> where;
  for (const auto& t : job_tasks()) where.insert(t.instance_id);
  EXPECT_EQ(where, std::set<std::string>(instances_.begin(), instances_.end()));
  EXPECT_EQ(event_statuses(), (std::vector<std::string>{"RUNNING", "STOPPING", "RECOVERING",
                                                        "DIAGNOSING", "RESTARTING", "RUNNING"}));
  // The XID the returned GPU raised before attempt 2 is not attempt 2's.
  report_all("RUNNING");
  EXPECT_EQ(advance(), 0u);
}

TEST_F(JobStepTest, AnApplicationXidRestartsWithoutADiagnostic) {
  start();
  report_all("RUNNING");
  auto first = job_tasks();
  const std::string instance = first[1].instance_id;
  clock_.advance(1s);
  std::vector<model::GpuHealth> gpus;
  for (const auto& uuid : gpus_of(instance)) {
    gpus.push_back({.uuid = uuid,
                    .message = "XID 13: Graphics Engine Exception",
                    .last_xid = 13,
                    .changed_at = context().now_seconds()});
  }
  apply(ecs::report_gpu_health(context(), {"c", instance, gpus}));
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "STOPPING");
  EXPECT_EQ(doc().at("fault").at("kind"), "GPU_APPLICATION");
  EXPECT_EQ(doc().at("avoidInstances"), json::array{});
  EXPECT_EQ(task_doc(first[0].id).at("stoppedReason"),
            json::value("GPU " + first[1].gpus[0] + " XID 13: Graphics Engine Exception"));
  report_all("STOPPED");
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  for (const auto& entry : instances_) EXPECT_TRUE(requests_on(entry).empty());
  EXPECT_EQ(event_statuses(),
            (std::vector<std::string>{"RUNNING", "STOPPING", "RESTARTING", "RUNNING"}));
  EXPECT_EQ(doc().at("events").at(2).at("message"),
            json::value("an application error on GPU " + first[1].gpus[0] +
                        " (XID 13: Graphics Engine Exception); restarting it as attempt 2 of 3"));
}

TEST_F(JobStepTest, AnUnknownJobAdvancesNothing) {
  EXPECT_TRUE(advance_job(context(), "c", "nope").changes.empty());
}

TEST_F(JobStepTest, AForcedDeregistrationRestartsTheJobElsewhere) {
  start();
  report_all("RUNNING");
  auto first = job_tasks();
  ecs::DeregisterInstance deregister{"c", first[0].instance_id, true};
  apply(ecs::deregister_instance(context(), deregister).changes);
  EXPECT_EQ(task_doc(first[0].id).at("stopCode"), "UserInitiated");
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "STOPPING");
  EXPECT_EQ(doc().at("fault").at("kind"), "TASK_FAILED");
  EXPECT_EQ(doc().at("fault").at("instanceGone"), true);
  EXPECT_EQ(task_doc(first[1].id).at("stoppedReason"),
            json::value("Job " + job_id_ + ": its task " + first[0].id +
                        " was lost with its container instance " + first[0].instance_id));
  // The lost task never reports again; its sibling's stop is enough.
  report(first[1].id, "STOPPED", 137);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  for (const auto& t : job_tasks()) EXPECT_NE(t.instance_id, first[0].instance_id);
  EXPECT_EQ(doc().at("events").at(2).at("message"),
            json::value("task " + first[0].id + " was lost with its container instance " +
                        first[0].instance_id + "; restarting it as attempt 2 of 3"));
}

TEST_F(JobStepTest, AnAnswerMeansWhatWasAskedWhateverKindItNames) {
  start();
  report_all("RUNNING");
  auto tasks = job_tasks();
  report_xid79(tasks[0].instance_id, tasks[0].gpus[0]);
  advance();
  report_all("STOPPED");
  advance();
  ASSERT_EQ(status(), "RECOVERING");
  auto open = requests_on(tasks[0].instance_id);
  ASSERT_EQ(open.size(), 1u);
  clock_.advance(1s);
  model::GpuRequestResult mislabelled{open[0].id, "diagnose", true, std::nullopt, "ok"};
  apply(ecs::close_gpu_request(context(), "c", tasks[0].instance_id, mislabelled));
  EXPECT_EQ(doc().at("recovery").at("status"), "RECOVERED");
  EXPECT_FALSE(doc().contains("diagnostic"));
}

// The controller itself: its reconcile's mutations, run against the draft

}  // namespace
}  // namespace gantry::controllers
