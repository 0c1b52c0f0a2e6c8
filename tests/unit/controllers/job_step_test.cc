// A job through real state: started by RunTask (ecs::run_tasks, then
// ecs::start_job, as the API does), then moved by advance_job one step at a
// time, each outcome applied to the draft as the writer applies it, with
// the agents' reports (task states, GPU health, answered GPU requests) in
// between.
#include "controllers/job_step.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "controllers/job_controller.h"
#include "controllers/job_plan.h"
#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "core/random.h"
#include "ecs/container_instance_commands.h"
#include "ecs/gpu_health_report.h"
#include "ecs/gpu_requests.h"
#include "ecs/job_launch.h"
#include "ecs/job_stop.h"
#include "ecs/jobs.h"
#include "ecs/placement_indexes.h"
#include "ecs/run_task_request.h"
#include "ecs/task_reports.h"
#include "ecs/task_stop.h"
#include "fakes/memory_store.h"

namespace gantry::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kXid79 = "XID 79: GPU has fallen off the bus";

class JobStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply({state::put_change(
        state::cluster_key("c"),
        state::ClusterRecord{json::object{{"clusterName", "c"},
                                          {"clusterArn", "arn:aws:ecs:us-east-1:1:cluster/c"},
                                          {"status", "ACTIVE"}}})});
    json::object definition = json::parse(R"({"family":"train","revision":1,"status":"ACTIVE",
        "taskDefinitionArn":"arn:aws:ecs:us-east-1:1:task-definition/train:1",
        "containerDefinitions":[{"name":"main","image":"trainer","cpu":256,"memory":512,
          "resourceRequirements":[{"type":"GPU","value":"2"}]}]})")
                                  .as_object();
    apply({state::put_change(state::task_definition_key("train", 1),
                             state::TaskDefinitionRecord{std::move(definition), {}})});
    for (int n = 1; n <= 3; ++n) register_instance(n);
  }

  ecs::Context context() { return {draft_, indexes_, *ids_, clock_.now(), "1", "us-east-1"}; }

  void apply(const std::vector<state::Change>& changes) {
    for (const auto& change : changes) {
      if (auto touched = draft_.apply(change)) indexes_.touched(draft_, *touched);
    }
  }

  // Instance n: EC2 instance i-n, GPUs GPU-na and GPU-nb.
  void register_instance(int n) {
    std::string tag = std::to_string(n);
    ecs::RegisterInstance command;
    command.cluster = "c";
    command.instance_identity_document = json::serialize(json::object{{"instanceId", "i-" + tag}});
    command.total_resources = json::array{
        json::object{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", 4096}},
        json::object{{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", 8192}},
        json::object{{"name", "GPU"},
                     {"type", "STRINGSET"},
                     {"stringSetValue", json::array{"GPU-" + tag + "a", "GPU-" + tag + "b"}}}};
    auto registered = ecs::register_instance(context(), command);
    apply(registered.changes);
    std::string arn(registered.container_instance.at("containerInstanceArn").as_string());
    std::string id(core::arn_last_segment(arn));
    instances_.push_back(id);
    ec2_of_[id] = "i-" + tag;
  }

  static json::object run_request(json::array tags, int count = 2) {
    return {{"cluster", "c"},
            {"taskDefinition", "train"},
            {"count", count},
            {"placementConstraints", json::array{json::object{{"type", "distinctInstance"}}}},
            {"tags", std::move(tags)}};
  }
  static json::array job_tags(std::optional<std::string> max_attempts = std::nullopt) {
    json::array tags{json::object{{"key", "gantry:recovery"}, {"value", "job"}}};
    if (max_attempts) {
      tags.push_back(json::object{{"key", "gantry:max-attempts"}, {"value", *max_attempts}});
    }
    return tags;
  }

  // RunTask as the API runs it.
  ecs::Launched run(const json::object& request) {
    ecs::Context ctx = context();
    ecs::Launched launched = ecs::run_tasks(ctx, ecs::run_tasks_from_request(request));
    ecs::start_job(ctx, request, launched);
    apply(launched.changes);
    return launched;
  }

  std::string start(std::optional<std::string> max_attempts = std::nullopt) {
    run(run_request(job_tags(std::move(max_attempts))));
    const auto& jobs = draft_.jobs("c");
    EXPECT_EQ(jobs.size(), 1u);
    job_id_ = jobs.begin()->second->id();
    return job_id_;
  }

  const state::JobRecord& job() { return *draft_.job("c", job_id_); }
  const json::object& doc() { return job().doc; }
  std::string status() { return std::string(doc().at("status").as_string()); }

  // One step of the controller; how many changes it made.
  size_t advance() {
    clock_.advance(1s);
    state::Outcome outcome = advance_job(context(), "c", job_id_, settings_);
    apply(outcome.changes);
    return outcome.changes.size();
  }

  struct JobTask {
    std::string arn;
    std::string id;
    std::string instance_id;
    std::vector<std::string> gpus;
  };
  std::vector<JobTask> job_tasks() {
    std::vector<JobTask> tasks;
    for (const auto& entry : doc().at("tasks").as_array()) {
      JobTask t;
      t.arn = entry.at("taskArn").as_string();
      t.id = core::arn_last_segment(t.arn);
      t.instance_id =
          core::arn_last_segment(core::string_member(entry.as_object(), "containerInstanceArn"));
      for (const auto& gpu : entry.at("gpuIds").as_array()) t.gpus.emplace_back(gpu.as_string());
      tasks.push_back(std::move(t));
    }
    return tasks;
  }
  const state::TaskRecord& task(const std::string& id) { return *draft_.task("c", id); }
  json::object task_doc(const std::string& id) { return task(id).doc(); }

  void report(const std::string& task_id, const std::string& status,
              std::optional<int64_t> exit_code = std::nullopt) {
    clock_.advance(1s);
    ecs::TaskReport report;
    report.status = status;
    if (status == "STOPPED") {
      ecs::ContainerReport container;
      container.name = "main";
      container.status = "STOPPED";
      container.exit_code = exit_code;
      report.containers.push_back(container);
    }
    apply(ecs::report_task_states(context(), "c", {{task_id, report}}));
  }
  void report_all(const std::string& status) {
    for (const auto& t : job_tasks()) report(t.id, status, status == "STOPPED" ? 137 : 0);
  }

  void report_xid79(const std::string& instance_id, const std::string& uuid) {
    clock_.advance(1s);
    std::vector<model::GpuHealth> gpus;
    for (const auto& registered : gpus_of(instance_id)) {
      model::GpuHealth health{.uuid = registered, .changed_at = 10};
      if (registered == uuid) {
        health.health_status = std::string(model::kGpuUnhealthy);
        health.pci_bus_id = "00000000:18:00.0";
        health.reason = "XID_79";
        health.message = kXid79;
        health.action = "RESET_GPU";
        health.last_xid = 79;
        health.changed_at = context().now_seconds();
      }
      gpus.push_back(health);
    }
    apply(ecs::report_gpu_health(context(), {"c", instance_id, gpus}));
  }
  std::vector<std::string> gpus_of(const std::string& instance_id) {
    std::string tag = ec2_of_[instance_id].substr(2);
    return {"GPU-" + tag + "a", "GPU-" + tag + "b"};
  }

  std::vector<model::GpuRequest> requests_on(const std::string& instance_id) {
    return ecs::open_gpu_requests(*draft_.instance("c", instance_id));
  }
  // Answers the only request open on the instance.
  void answer(const std::string& instance_id, bool ok, std::string output = "") {
    auto open = requests_on(instance_id);
    ASSERT_EQ(open.size(), 1u);
    clock_.advance(1s);
    model::GpuRequestResult result{open[0].id, open[0].kind, ok, std::nullopt, std::move(output)};
    auto changes = ecs::close_gpu_request(context(), "c", instance_id, result);
    EXPECT_EQ(changes.size(), 2u);  // the instance's and the job's
    apply(changes);
  }

  std::vector<std::string> event_statuses() {
    std::vector<std::string> statuses;
    for (const auto& event : doc().at("events").as_array()) {
      statuses.emplace_back(event.at("status").as_string());
    }
    return statuses;
  }

  // A diagnostic task's definition: one container, no GPUs of its own.
  void register_diagnostic() {
    json::object definition = json::parse(R"({"family":"diag","revision":1,"status":"ACTIVE",
        "taskDefinitionArn":"arn:aws:ecs:us-east-1:1:task-definition/diag:1",
        "containerDefinitions":[{"name":"main","image":"dcgm","cpu":128,"memory":128,
          "command":["dcgmi","diag","-r","2"]}]})")
                                  .as_object();
    apply({state::put_change(state::task_definition_key("diag", 1),
                             state::TaskDefinitionRecord{std::move(definition), {}})});
    settings_.diagnostic_task_definition = "diag";
  }

  // Attempt 1 running, its task 1 failed with exit 1 and task 0 stopped:
  // the job diagnoses task 1's GPUs.
  std::vector<JobTask> fail_task_and_diagnose();

  JobSettings settings_;
  state::ClusterState draft_;
  ecs::PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(7);
  core::FakeClock clock_;
  std::vector<std::string> instances_;
  std::map<std::string, std::string> ec2_of_;
  std::string job_id_;
};

TEST_F(JobStepTest, RunTaskTaggedAsAJobStartsOne) {
  ecs::Launched launched = run(run_request(job_tags()));
  ASSERT_EQ(launched.tasks.size(), 2u);
  ASSERT_EQ(draft_.jobs("c").size(), 1u);
  job_id_ = draft_.jobs("c").begin()->second->id();
  EXPECT_EQ(job_id_.size(), 32u);
  EXPECT_EQ(doc().at("jobId"), json::value(job_id_));
  EXPECT_EQ(doc().at("jobArn"), json::value("arn:aws:ecs:us-east-1:1:job/c/" + job_id_));
  EXPECT_EQ(doc().at("clusterArn"), "arn:aws:ecs:us-east-1:1:cluster/c");
  EXPECT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 1);
  EXPECT_EQ(doc().at("maxAttempts"), 3);
  EXPECT_EQ(doc().at("taskDefinitionArn"), "arn:aws:ecs:us-east-1:1:task-definition/train:1");
  EXPECT_EQ(doc().at("avoidInstances"), json::array{});
  EXPECT_EQ(doc().at("statusReason"), "attempt 1 of 3: 2 tasks started");
  const json::array& events = doc().at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("id"), 1);
  EXPECT_EQ(events[0].at("status"), "RUNNING");
  EXPECT_EQ(events[0].at("action"), "STARTED");

  auto tasks = job_tasks();
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_NE(tasks[0].instance_id, tasks[1].instance_id);  // distinctInstance
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(tasks[i].arn, launched.tasks[i].at("taskArn").as_string());
    EXPECT_EQ(tasks[i].gpus, gpus_of(tasks[i].instance_id));
    EXPECT_EQ(task(tasks[i].id).reservation.gpu_ids, tasks[i].gpus);
    EXPECT_EQ(doc().at("tasks").at(i).at("attempt"), 1);
  }
  // The stored request launches the same tasks again, without its token.
  EXPECT_EQ(job().request.at("count"), 2);
  EXPECT_FALSE(job().request.contains("clientToken"));
  // Nothing to do yet.
  EXPECT_EQ(advance(), 0u);
}

TEST_F(JobStepTest, TheMaxAttemptsTagIsHonoured) {
  start("2");
  EXPECT_EQ(doc().at("maxAttempts"), 2);
  EXPECT_EQ(doc().at("statusReason"), "attempt 1 of 2: 2 tasks started");
}

TEST_F(JobStepTest, BadJobTagsAreRefused) {
  for (std::string bad : {"0", "x", "101", "2x", "-1", ""}) {
    EXPECT_THROW(run(run_request(job_tags(bad))), core::ApiError) << bad;
  }
  json::array foo{json::object{{"key", "gantry:recovery"}, {"value", "foo"}}};
  try {
    run(run_request(foo));
    ADD_FAILURE() << "gantry:recovery=foo was taken";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
  }
  json::array attempts_alone{json::object{{"key", "gantry:max-attempts"}, {"value", "2"}}};
  EXPECT_THROW(run(run_request(attempts_alone)), core::ApiError);
  try {
    run(run_request(job_tags("101")));
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()),
              "The tag gantry:max-attempts must be a whole number from 1 to 100, not '101'.");
  }
  EXPECT_TRUE(draft_.jobs("c").empty());
  EXPECT_TRUE(draft_.tasks("c").empty());
  EXPECT_EQ(ecs::job_max_attempts_of(job_tags("100")), 100);
  EXPECT_EQ(ecs::job_max_attempts_of(job_tags("1")), 1);
  EXPECT_EQ(ecs::job_max_attempts_of(json::array{}), std::nullopt);
}

TEST_F(JobStepTest, AJobWhoseTasksDoNotAllFitLaunchesNone) {
  ecs::Launched launched = run(run_request(job_tags(), 4));
  EXPECT_TRUE(launched.tasks.empty());
  EXPECT_TRUE(launched.changes.empty());
  EXPECT_FALSE(launched.failures.empty());
  EXPECT_TRUE(draft_.tasks("c").empty());
  EXPECT_TRUE(draft_.jobs("c").empty());
  // Without the tag, the three that fit launch.
  ecs::Launched plain = run(run_request(json::array{}, 4));
  EXPECT_EQ(plain.tasks.size(), 3u);
  EXPECT_TRUE(draft_.jobs("c").empty());
}

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

TEST_F(JobStepTest, ReturnGpusToServiceOpensAReturnRequest) {
  const std::string instance = instances_[0];
  ecs::ReturnGpus none{"c", instance, {}};
  try {
    ecs::return_gpus_to_service(context(), none);
    ADD_FAILURE() << "returned GPUs that were in service";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()),
              "Container instance " + instance + " has no GPU out of service.");
  }
  ecs::ReturnGpus unknown{"c", instance, {"GPU-9z"}};
  try {
    ecs::return_gpus_to_service(context(), unknown);
    ADD_FAILURE() << "returned an unknown GPU";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()), "Container instance " + instance + " has no GPU GPU-9z.");
  }
  EXPECT_THROW(ecs::return_gpus_to_service(context(), {"c", "gone", {}}), core::ApiError);

  report_xid79(instance, "GPU-1b");
  ecs::ReturnedGpus returned = ecs::return_gpus_to_service(context(), none);
  EXPECT_EQ(returned.gpu_ids, std::vector<std::string>{"GPU-1b"});
  EXPECT_TRUE(returned.request_id.starts_with("return-"));
  EXPECT_EQ(returned.request_id.size(), 7u + 16u);
  apply(returned.changes);
  auto open = requests_on(instance);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0], (model::GpuRequest{returned.request_id, "return", {"GPU-1b"}}));
  EXPECT_FALSE(draft_.instance("c", instance)->gpu_requests.at(0).as_object().contains("job"));
  // Its answer closes it and touches no job.
  model::GpuRequestResult result{returned.request_id, "return", true, std::nullopt, "healthy"};
  auto changes = ecs::close_gpu_request(context(), "c", instance, result);
  EXPECT_EQ(changes.size(), 1u);
  apply(changes);
  EXPECT_TRUE(requests_on(instance).empty());
  // A second answer is no change.
  EXPECT_TRUE(ecs::close_gpu_request(context(), "c", instance, result).empty());
}

std::vector<JobStepTest::JobTask> JobStepTest::fail_task_and_diagnose() {
  start();
  report_all("RUNNING");
  auto tasks = job_tasks();
  report(tasks[1].id, "STOPPED", 1);
  advance();
  report(tasks[0].id, "STOPPED", 137);
  advance();
  EXPECT_EQ(status(), "DIAGNOSING");
  return tasks;
}

// The one task the job's diagnostic started, or null.
const state::TaskRecord* diagnostic_task(const state::ClusterState& state,
                                         const json::object& job) {
  const json::object* diagnostic = core::object_member(job, "diagnostic");
  std::string arn = diagnostic ? core::string_member(*diagnostic, "taskArn") : "";
  return arn.empty() ? nullptr : state.task("c", core::arn_last_segment(arn));
}

TEST_F(JobStepTest, ADiagnosticTaskRunsOnTheInstanceWithTheGpusItChecks) {
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

TEST_F(JobStepTest, ADiagnosticTaskThatFailsRecoversTheNode) {
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

TEST_F(JobStepTest, ADiagnosticTaskThatFailsAfterTheRecoveryHoldsTheGpusOut) {
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
  EXPECT_EQ(status(), "RUNNING");  // attempt 2, elsewhere
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

TEST_F(JobStepTest, StopJobEndsAJobInAnyStateAndWithdrawsItsCheck) {
  auto tasks = fail_task_and_diagnose();
  ASSERT_EQ(requests_on(tasks[1].instance_id).size(), 1u);
  clock_.advance(1s);
  ecs::StoppedJob stopped = ecs::stop_job(context(), {"c", job_id_, "out of budget"});
  apply(stopped.changes);
  EXPECT_EQ(status(), "STOPPED_BY_USER");
  EXPECT_EQ(stopped.job.at("status"), "STOPPED_BY_USER");
  EXPECT_EQ(doc().at("statusReason"),
            "the user stopped the job (out of budget): 0 tasks stop; nothing restarts it");
  EXPECT_TRUE(requests_on(tasks[1].instance_id).empty());
  EXPECT_EQ(advance(), 0u);
  // Stopping it again changes nothing; an unknown job is refused.
  EXPECT_TRUE(ecs::stop_job(context(), {"c", job_id_, "again"}).changes.empty());
  try {
    ecs::stop_job(context(), {"c", "nope", "x"});
    ADD_FAILURE() << "stopped an unknown job";
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_EQ(std::string(error.what()), "The referenced job was not found.");
  }
  EXPECT_THROW(ecs::stop_job(context(), {"c", job_id_, std::string(256, 'x')}), core::ApiError);
}

TEST_F(JobStepTest, StopJobStopsTheRunningTasksAsTheUser) {
  start();
  report_all("RUNNING");
  auto tasks = job_tasks();
  std::string arn = doc().at("jobArn").as_string().c_str();
  apply(ecs::stop_job(context(), {"c", arn, "Job stopped by user"}).changes);
  EXPECT_EQ(status(), "STOPPED_BY_USER");
  for (const auto& t : tasks) {
    EXPECT_EQ(task_doc(t.id).at("desiredStatus"), "STOPPED");
    EXPECT_EQ(task_doc(t.id).at("stopCode"), "UserInitiated");
    EXPECT_EQ(task_doc(t.id).at("stoppedReason"), "Job stopped by user");
  }
  EXPECT_EQ(doc().at("statusReason"),
            "the user stopped the job (Job stopped by user): 2 tasks stop; nothing restarts it");
  report_all("STOPPED");
  EXPECT_EQ(advance(), 0u);
  EXPECT_EQ(draft_.tasks("c").size(), 2u);
}

TEST_F(JobStepTest, ADiagnosticTaskThatCannotStartLeavesTheCheckToTheAgent) {
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

TEST_F(JobStepTest, ADiagnosticTaskWithoutAnAnswerIsStoppedAfterItsTimeout) {
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
// as the writer runs them.
class JobControllerTest : public JobStepTest {
 protected:
  // Reconciles once and runs what it decided; how many mutations.
  size_t reconcile() {
    clock_.advance(1s);
    Reconcile decided = controller_.reconcile(draft_, clock_.now());
    next_run_ = decided.next_run;
    for (auto& mutation : decided.mutations) apply(mutation(draft_).changes);
    return decided.mutations.size();
  }

  testing::MemoryStore store_;
  state::ControlState state_{store_};
  ecs::CommandRunner commands_{state_, indexes_, *ids_, clock_, "1"};
  JobController controller_{commands_, {}};
  std::optional<core::SystemTime> next_run_;
};

TEST_F(JobControllerTest, RestartedTasksGetTheJobsRegion) {
  start();
  report_all("RUNNING");
  EXPECT_EQ(reconcile(), 0u);
  EXPECT_FALSE(next_run_);
  auto first = job_tasks();
  EXPECT_TRUE(first[0].arn.starts_with("arn:aws:ecs:us-east-1:1:task/c/")) << first[0].arn;
  report(first[0].id, "STOPPED", 3);
  EXPECT_EQ(reconcile(), 1u);
  EXPECT_EQ(status(), "STOPPING");
  report(first[1].id, "STOPPED", 137);
  EXPECT_EQ(reconcile(), 1u);
  ASSERT_EQ(status(), "DIAGNOSING");
  EXPECT_EQ(reconcile(), 0u);
  ASSERT_TRUE(next_run_);
  EXPECT_EQ(*next_run_, clock_.now() - 1s + kGpuRequestTimeout);
  answer(first[0].instance_id, true);
  EXPECT_EQ(reconcile(), 1u);
  ASSERT_EQ(status(), "RUNNING");
  EXPECT_EQ(doc().at("attempt"), 2);
  for (const auto& t : job_tasks()) {
    EXPECT_TRUE(t.arn.starts_with("arn:aws:ecs:us-east-1:1:task/c/")) << t.arn;
    json::object task = task_doc(t.id);
    EXPECT_TRUE(std::string(task.at("containers").at(0).at("containerArn").as_string())
                    .starts_with("arn:aws:ecs:us-east-1:1:container/"))
        << task.at("containers").at(0).at("containerArn");
  }
}

TEST_F(JobControllerTest, AFinishedJobExpiresAfterItsRetention) {
  start();
  report_all("RUNNING");
  for (const auto& t : job_tasks()) report(t.id, "STOPPED", 0);
  EXPECT_EQ(reconcile(), 1u);
  ASSERT_EQ(status(), "SUCCEEDED");
  EXPECT_EQ(reconcile(), 0u);
  ASSERT_TRUE(next_run_);
  const core::SystemTime finished =
      core::from_epoch_seconds(doc().at("updatedAt").to_number<double>());
  EXPECT_EQ(*next_run_, finished + JobController::kFinishedJobRetention);
  clock_.advance(JobController::kFinishedJobRetention - 3s);
  EXPECT_EQ(reconcile(), 0u);  // a second short
  EXPECT_NE(draft_.job("c", job_id_), nullptr);
  EXPECT_EQ(reconcile(), 1u);
  EXPECT_EQ(draft_.job("c", job_id_), nullptr);
  EXPECT_EQ(reconcile(), 0u);
  EXPECT_FALSE(next_run_);
}

}  // namespace
}  // namespace gantry::controllers
