#pragma once
// A job through real state: started by RunTask (ecs::run_tasks, then
// ecs::start_job, as the API does), then moved by advance_job one step at a
// time, each outcome applied to the draft as the writer applies it, with
// the agents' reports (task states, GPU health, answered GPU requests) in
// between. Shared by the job tests of launching, stepping, diagnostic tasks,
// operators' commands and the controller.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "controllers/job_controller.h"
#include "controllers/job_plan.h"
#include "controllers/job_step.h"
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
#include "fakes/record_changes.h"

namespace gantry::controllers {

namespace json = boost::json;
using namespace std::chrono_literals;

inline const std::string kXid79 = "XID 79: GPU has fallen off the bus";

class JobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply({testing::active_cluster_change("c", "us-east-1")});
    json::object definition = json::parse(R"({"family":"train","revision":1,"status":"ACTIVE",
        "taskDefinitionArn":"arn:aws:ecs:us-east-1:1:task-definition/train:1",
        "containerDefinitions":[{"name":"main","image":"trainer","cpu":256,"memory":512,
          "resourceRequirements":[{"type":"GPU","value":"2"}]}]})")
                                  .as_object();
    apply({testing::task_definition_change(std::move(definition))});
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
    apply({testing::task_definition_change(std::move(definition))});
    settings_.diagnostic_task_definition = "diag";
  }

  // Attempt 1 running, its task 1 failed with exit 1 and task 0 stopped:
  // the job diagnoses task 1's GPUs.
  std::vector<JobTask> fail_task_and_diagnose() {
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

  JobSettings settings_;
  state::ClusterState draft_;
  ecs::PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(7);
  core::FakeClock clock_;
  std::vector<std::string> instances_;
  std::map<std::string, std::string> ec2_of_;
  std::string job_id_;
};

// The one task the job's diagnostic started, or null.
inline const state::TaskRecord* diagnostic_task(const state::ClusterState& state,
                                                const json::object& job) {
  const json::object* diagnostic = core::object_member(job, "diagnostic");
  std::string arn = diagnostic ? core::string_member(*diagnostic, "taskArn") : "";
  return arn.empty() ? nullptr : state.task("c", core::arn_last_segment(arn));
}

}  // namespace gantry::controllers
