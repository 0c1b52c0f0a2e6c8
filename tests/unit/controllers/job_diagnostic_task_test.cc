// The diagnostic as a task pinned to the instance with the GPUs it checks
// (--gpu-diagnostic-task-definition).
#include <gtest/gtest.h>

#include "controllers/job_step.h"
#include "job_fixture.h"

namespace gantry::controllers {
namespace {

using JobDiagnosticTaskTest = JobTest;

TEST_F(JobDiagnosticTaskTest, ADiagnosticTaskRunsOnTheInstanceWithTheGpusItChecks) {
  register_diagnostic();
  auto tasks = fail_task_and_diagnose();
  const JobTask& failed = tasks[1];
  // No request for the agent: a task of the operator's definition.
  EXPECT_TRUE(requests_on(failed.instance_id).empty());
  const state::TaskRecord* diagnostic = diagnostic_task(draft_, doc());
  ASSERT_NE(diagnostic, nullptr);
  EXPECT_EQ(diagnostic->instance_id, failed.instance_id);
  EXPECT_EQ(diagnostic->reservation.gpu_ids, failed.gpus);
  json::object d = diagnostic->doc();
  EXPECT_EQ(d.at("taskDefinitionArn"), "arn:aws:ecs:us-east-1:1:task-definition/diag:1");
  EXPECT_EQ(d.at("group"), "gantry:gpu-diagnostic");
  EXPECT_EQ(d.at("startedBy"), json::value("gantry/job/" + job_id_));
  EXPECT_EQ(d.at("containers").at(0).at("gpuIds"),
            json::array(failed.gpus.begin(), failed.gpus.end()));
  EXPECT_EQ(d.at("tags"),
            (json::array{json::object{{"key", "gantry:gpu-diagnostic-for"}, {"value", job_id_}}}));
  const json::object& check = doc().at("diagnostic").as_object();
  EXPECT_EQ(check.at("status"), "PENDING");
  EXPECT_EQ(check.at("containerInstanceArn"),
            json::value(draft_.instance("c", failed.instance_id)->arn()));
  EXPECT_FALSE(check.contains("requestId"));
  const std::string id(diagnostic->id());  // the record is replaced as it changes
  EXPECT_EQ(advance(), 0u);                // it runs
  report(id, "RUNNING");
  EXPECT_EQ(advance(), 0u);

  // It exits 0: the GPUs are healthy, an application failure.
  report(id, "STOPPED", 0);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  const json::object& answered = doc().at("previousAttempt").at("diagnostic").as_object();
  EXPECT_EQ(answered.at("status"), "HEALTHY");
  EXPECT_EQ(answered.at("output"),
            json::value("the diagnostic task " + id +
                        " stopped (Essential container in task exited, exit code 0)"));
  EXPECT_EQ(event_statuses(), (std::vector<std::string>{"RUNNING", "STOPPING", "DIAGNOSING",
                                                        "RESTARTING", "RUNNING"}));
  // The restarted job may take the GPUs the diagnostic held: it stopped.
  EXPECT_EQ(job_tasks().size(), 2u);
}

TEST_F(JobDiagnosticTaskTest, ADiagnosticTaskThatFailsRecoversTheNode) {
  register_diagnostic();
  auto tasks = fail_task_and_diagnose();
  const state::TaskRecord* diagnostic = diagnostic_task(draft_, doc());
  ASSERT_NE(diagnostic, nullptr);
  std::string id(diagnostic->id());
  report(id, "STOPPED", 1);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RECOVERING");
  EXPECT_EQ(doc().at("diagnostic").at("status"), "UNHEALTHY");
  auto open = requests_on(tasks[1].instance_id);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "recover");
  EXPECT_EQ(doc().at("avoidInstances"),
            json::array{json::value(draft_.instance("c", tasks[1].instance_id)->arn())});
  EXPECT_NE(std::string(doc().at("statusReason").as_string())
                .find("the diagnostic task " + id +
                      " stopped (Essential container in task exited, exit code 1)"),
            std::string::npos)
      << doc().at("statusReason");

  // Recovered: the diagnostic runs again as a task, after the recovery.
  answer(tasks[1].instance_id, true, "reset");
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "DIAGNOSING");
  EXPECT_EQ(doc().at("diagnostic").at("afterRecovery"), true);
  const state::TaskRecord* again = diagnostic_task(draft_, doc());
  ASSERT_NE(again, nullptr);
  EXPECT_NE(again->id(), id);
  const std::string again_id(again->id());
  report(again_id, "RUNNING");  // one that never ran failed to start
  report(again_id, "STOPPED", 0);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(event_statuses(),
            (std::vector<std::string>{"RUNNING", "STOPPING", "DIAGNOSING", "RECOVERING",
                                      "DIAGNOSING", "RESTARTING", "RUNNING"}));
  EXPECT_TRUE(std::string(doc().at("events").at(5).at("message").as_string())
                  .find("checks healthy after its recovery and serves again") != std::string::npos)
      << doc().at("events").at(5);
  EXPECT_TRUE(requests_on(tasks[1].instance_id).empty());  // nothing held
}

TEST_F(JobDiagnosticTaskTest, ADiagnosticTaskThatFailsAfterTheRecoveryHoldsTheGpusOut) {
  register_diagnostic();
  auto tasks = fail_task_and_diagnose();
  const std::string instance = tasks[1].instance_id;
  report(std::string(diagnostic_task(draft_, doc())->id()), "STOPPED", 1);
  advance();
  answer(instance, true, "reset");
  advance();
  ASSERT_EQ(status(), "DIAGNOSING");
  std::string again(diagnostic_task(draft_, doc())->id());
  report(again, "STOPPED", 4);
  EXPECT_GT(advance(), 0u);
  // The hold first; attempt 2 places once the state holds it, elsewhere.
  EXPECT_EQ(status(), "RESTARTING");
  EXPECT_EQ(doc().at("attempt"), 1);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  for (const auto& t : job_tasks()) EXPECT_NE(t.instance_id, instance);
  auto open = requests_on(instance);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "hold");
  EXPECT_EQ(open[0].gpus, tasks[1].gpus);
  EXPECT_EQ(open[0].message, "job " + job_id_ + ": the diagnostic task " + again +
                                 " stopped (Essential container in task exited, exit code 4)");
  EXPECT_NE(std::string(doc().at("events").at(5).at("message").as_string())
                .find("stays out of service until an operator returns it"),
            std::string::npos)
      << doc().at("events").at(5);
}

TEST_F(JobDiagnosticTaskTest, GpusOnHoldTakeNoTaskBeforeTheirAgentHasHeldThem) {
  register_diagnostic();
  auto tasks = fail_task_and_diagnose();
  const std::string instance = tasks[1].instance_id;
  // The third instance's GPUs are taken: the failed one is all that is left.
  ecs::Launched other = run({{"cluster", "c"}, {"taskDefinition", "train"}});
  ASSERT_EQ(other.tasks.size(), 1u);
  report(std::string(diagnostic_task(draft_, doc())->id()), "STOPPED", 1);
  advance();
  answer(instance, true, "reset");
  advance();
  report(std::string(diagnostic_task(draft_, doc())->id()), "STOPPED", 4);
  advance();
  ASSERT_EQ(requests_on(instance).size(), 1u);  // the hold, not yet answered
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RESTARTING");
  EXPECT_EQ(doc().at("attempt"), 1);
  EXPECT_NE(std::string(doc().at("statusReason").as_string()).find("RESOURCE:GPU"),
            std::string::npos)
      << doc().at("statusReason");
  EXPECT_TRUE(draft_.holdings(instance).gpu_ids.empty());
}

TEST_F(JobDiagnosticTaskTest, ADiagnosticTaskThatCannotStartLeavesTheCheckToTheAgent) {
  settings_.diagnostic_task_definition = "no-such-definition";
  auto tasks = fail_task_and_diagnose();
  EXPECT_EQ(diagnostic_task(draft_, doc()), nullptr);
  auto open = requests_on(tasks[1].instance_id);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, "diagnose");
  EXPECT_NE(std::string(doc().at("statusReason").as_string())
                .find("(the diagnostic task no-such-definition did not start: "),
            std::string::npos)
      << doc().at("statusReason");
}

TEST_F(JobDiagnosticTaskTest, ADiagnosticTaskWithoutAnAnswerIsStoppedAfterItsTimeout) {
  register_diagnostic();
  fail_task_and_diagnose();
  const state::TaskRecord* diagnostic = diagnostic_task(draft_, doc());
  ASSERT_NE(diagnostic, nullptr);
  std::string id(diagnostic->id());
  clock_.advance(kGpuRequestTimeout);
  EXPECT_GT(advance(), 0u);
  EXPECT_EQ(status(), "RECOVERING");
  json::object stopped = task_doc(id);
  EXPECT_EQ(stopped.at("desiredStatus"), "STOPPED");
  EXPECT_EQ(stopped.at("stoppedReason"),
            json::value("Job " + job_id_ + " moved on: no answer within 11 minutes"));
}

}  // namespace
}  // namespace gantry::controllers
