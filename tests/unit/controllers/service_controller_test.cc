// The service scheduler end to end inside the control plane, on fake time:
// a real writer, placement and ECS commands; the tests play the agent by
// submitting its task reports.
#include "controllers/service_controller.h"

#include <gtest/gtest.h>

#include "controllers/runtime_fixture.h"
#include "core/random.h"
#include "ecs/container_instance_commands.h"
#include "ecs/placement_indexes.h"
#include "ecs/service_commands.h"
#include "ecs/service_deployment_view.h"
#include "ecs/service_deployments.h"
#include "ecs/task_reports.h"
#include "fakes/record_changes.h"

namespace gantry::controllers {
namespace {

namespace json = boost::json;

class ServiceControllerTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    state_.set_draft_listener(&placement_);
    put({testing::active_cluster_change("web", "eu-west-1")});
    for (int revision : {1, 2}) {
      json::object definition =
          json::parse(R"({"family":"app","status":"ACTIVE","networkMode":"bridge",
              "containerDefinitions":[{"name":"main","image":"busybox","cpu":256,"memory":256}]})")
              .as_object();
      definition["revision"] = revision;
      definition["taskDefinitionArn"] =
          "arn:aws:ecs:eu-west-1:1:task-definition/app:" + std::to_string(revision);
      put({testing::task_definition_change(std::move(definition))});
    }
    run([](const ecs::Context& context) {
      ecs::RegisterInstance command;
      command.cluster = "web";
      command.total_resources = json::array{
          json::object{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", 4096}},
          json::object{{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", 4096}}};
      return state::Outcome{ecs::register_instance(context, command).changes, {}};
    });
    runtime_.add(std::make_unique<ServiceController>(commands_));
  }

  void run(ecs::CommandRunner::Command command) {
    auto answer = submit(commands_.mutation(std::move(command), "eu-west-1"));
    ASSERT_TRUE(std::holds_alternative<json::object>(answer))
        << std::get<core::ApiError>(answer).message();
  }

  void create_service(std::string body) {
    run([body](const ecs::Context& context) {
      auto written =
          ecs::create_service(context, {json::parse(body).as_object(), "arn:aws:iam::1:root"});
      return state::Outcome{written.changes, {}};
    });
  }

  json::object service() {
    return read([](const state::ClusterState& s) { return s.service("web", "api")->doc; });
  }

  std::vector<std::string> live_tasks() {
    return read([](const state::ClusterState& s) {
      std::vector<std::string> ids;
      for (const auto* task : s.tasks_in_group("web", "service:api")) {
        if (task->desired_status() == "RUNNING") ids.emplace_back(task->id());
      }
      return ids;
    });
  }

  // The agent's reports: every live task of the service now RUNNING, or
  // one task exited.
  void report_all_running() {
    ecs::TaskReports reports;
    for (const auto& id : live_tasks()) {
      ecs::TaskReport report{.status = "RUNNING"};
      report.containers.push_back({.name = "main", .status = "RUNNING"});
      reports.emplace_back(id, report);
    }
    run([reports](const ecs::Context& context) {
      return state::Outcome{ecs::report_task_states(context, "web", reports), {}};
    });
  }
  void report_exited(const std::string& id, int code) {
    ecs::TaskReport report{.status = "STOPPED", .reason = "Essential container in task exited"};
    report.containers.push_back({.name = "main", .status = "STOPPED", .exit_code = code});
    run([id, report](const ecs::Context& context) {
      return state::Outcome{ecs::report_task_states(context, "web", {{id, report}}), {}};
    });
  }

  // The agent carries out the scheduler's stops.
  void report_stops_done() {
    auto stopping = read([](const state::ClusterState& s) {
      std::vector<std::string> ids;
      for (const auto* task : s.tasks_in_group("web", "service:api")) {
        if (task->desired_status() == "STOPPED" && task->last_status() != "STOPPED") {
          ids.emplace_back(task->id());
        }
      }
      return ids;
    });
    for (const auto& id : stopping) report_exited(id, 0);
  }

  // Service "api" of app:1 with `desired` tasks, all RUNNING.
  void start_steady_service(int desired) {
    create_service(R"({"cluster":"web","serviceName":"api","taskDefinition":"app:1",
                       "desiredCount":)" + std::to_string(desired) + "}");
    runtime_.start();
    settle();
    report_all_running();
    settle();
  }

  std::vector<std::string> messages() {
    std::vector<std::string> out;
    const json::object doc = service();
    for (const auto& e : doc.at("events").as_array()) {
      out.emplace_back(e.at("message").as_string());
    }
    return out;
  }

  ecs::PlacementIndexes placement_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(11);
  ecs::CommandRunner commands_{state_, placement_, *ids_, clock_, "1"};
};

bool contains(const std::vector<std::string>& messages, std::string_view part) {
  for (const auto& m : messages) {
    if (m.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(ServiceControllerTest, StartsDesiredTasksAndCompletesTheDeployment) {
  create_service(R"({"cluster":"web","serviceName":"api","taskDefinition":"app:1",
                     "desiredCount":3})");
  runtime_.start();
  settle();
  const json::object primary = service().at("deployments").as_array().at(0).as_object();
  const std::string deployment(primary.at("id").as_string());
  auto tasks = live_tasks();
  ASSERT_EQ(tasks.size(), 3u);
  read([&](const state::ClusterState& s) {
    for (const auto* task : s.tasks_in_group("web", "service:api")) {
      EXPECT_EQ(task->started_by(), deployment);
    }
    return 0;
  });
  EXPECT_TRUE(contains(messages(), "(service api) has started 3 tasks:"));
  EXPECT_EQ(primary.at("rolloutState"), "IN_PROGRESS");

  report_all_running();
  settle();
  EXPECT_EQ(service().at("deployments").as_array().at(0).at("rolloutState"), "COMPLETED");
  EXPECT_TRUE(contains(messages(), "(service api) has reached a steady state."));
  EXPECT_EQ(live_tasks().size(), 3u);  // nothing more started
}

TEST_F(ServiceControllerTest, ReplacesATaskThatStops) {
  start_steady_service(2);
  auto before = live_tasks();
  ASSERT_EQ(before.size(), 2u);
  report_exited(before[0], 137);
  settle();
  auto after = live_tasks();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[0]), 0);
  EXPECT_EQ(std::count(after.begin(), after.end(), before[1]), 1);
}

TEST_F(ServiceControllerTest, RollsANewDefinitionOutAndRetiresTheOldDeployment) {
  start_steady_service(2);
  const std::string first(service().at("deployments").as_array().at(0).at("id").as_string());
  run([](const ecs::Context& context) {
    auto written = ecs::update_service(
        context,
        {json::parse(R"({"cluster":"web","service":"api","taskDefinition":"app:2"})").as_object()});
    return state::Outcome{written.changes, {}};
  });
  settle();
  // 100/200: the new tasks start beside the old ones.
  EXPECT_EQ(live_tasks().size(), 4u);
  report_all_running();
  settle();  // the old ones are stopped once the new ones run
  report_stops_done();
  settle();
  auto deployments = service().at("deployments").as_array();
  ASSERT_EQ(deployments.size(), 1u) << json::serialize(deployments);
  EXPECT_NE(deployments.at(0).at("id").as_string(), first);
  EXPECT_EQ(deployments.at(0).at("rolloutState"), "COMPLETED");
  EXPECT_EQ(deployments.at(0).at("taskDefinition"),
            "arn:aws:ecs:eu-west-1:1:task-definition/app:2");
  EXPECT_EQ(live_tasks().size(), 2u);
}

// StopServiceDeployment's ROLLBACK of a rolling deployment whose tasks never
// run: ROLLBACK_REQUESTED, then (the scheduler acts) ROLLBACK_IN_PROGRESS
// with the old deployment PRIMARY again, then ROLLBACK_SUCCESSFUL from the
// service's history once it is steady.
TEST_F(ServiceControllerTest, AStopRequestRollsTheDeploymentBack) {
  start_steady_service(2);
  const std::string first(service().at("deployments").as_array().at(0).at("id").as_string());
  run([](const ecs::Context& context) {
    auto written = ecs::update_service(
        context,
        {json::parse(R"({"cluster":"web","service":"api","taskDefinition":"app:2"})").as_object()});
    return state::Outcome{written.changes, {}};
  });
  settle();
  const std::string second(service().at("deployments").as_array().at(0).at("id").as_string());
  auto status = [&](const std::string& id) {
    return read([id](const state::ClusterState& s) {
      const auto* record = s.service("web", "api");
      auto entry = ecs::find_service_deployment(*record, ecs::deployment_number(id));
      return entry ? ecs::service_deployment_status(*record, *entry) : std::string("MISSING");
    });
  };
  ASSERT_EQ(status(second), "IN_PROGRESS");
  run([second](const ecs::Context& context) {
    auto written = ecs::stop_service_deployment(
        context, {"web", "api", std::string(ecs::deployment_number(second)), "ROLLBACK"});
    return state::Outcome{written.changes, {}};
  });
  EXPECT_EQ(status(second), "ROLLBACK_REQUESTED");
  settle();
  EXPECT_EQ(status(second), "ROLLBACK_IN_PROGRESS");
  auto deployments = service().at("deployments").as_array();
  ASSERT_EQ(deployments.size(), 2u);
  EXPECT_EQ(deployments.at(0).at("id").as_string(), first);
  EXPECT_EQ(deployments.at(0).at("status"), "PRIMARY");
  EXPECT_EQ(service().at("taskDefinition"), "arn:aws:ecs:eu-west-1:1:task-definition/app:1");
  EXPECT_TRUE(contains(messages(), "rolling back to deployment " + first));

  report_stops_done();  // app:2's tasks, never RUNNING, are stopped
  settle();
  deployments = service().at("deployments").as_array();
  ASSERT_EQ(deployments.size(), 1u) << json::serialize(deployments);
  EXPECT_EQ(deployments.at(0).at("rolloutState"), "COMPLETED");
  EXPECT_EQ(status(second), "ROLLBACK_SUCCESSFUL");
  EXPECT_EQ(status(first), "SUCCESSFUL");
  EXPECT_EQ(live_tasks().size(), 2u);
}

TEST_F(ServiceControllerTest, ADeletedServiceDrainsToInactive) {
  start_steady_service(2);
  run([](const ecs::Context& context) {
    return state::Outcome{ecs::delete_service(context, {"web", "api", true}).changes, {}};
  });
  settle();
  EXPECT_TRUE(live_tasks().empty());
  EXPECT_EQ(service().at("status"), "DRAINING");
  report_stops_done();
  settle();
  EXPECT_EQ(service().at("status"), "INACTIVE");
}

TEST_F(ServiceControllerTest, ADaemonServiceRunsOneTaskOnEachInstanceAndShowsThatCount) {
  create_service(R"({"cluster":"web","serviceName":"api","taskDefinition":"app:1",
                     "schedulingStrategy":"DAEMON"})");
  runtime_.start();
  settle();
  EXPECT_EQ(live_tasks().size(), 1u);
  EXPECT_EQ(service().at("desiredCount"), 1);
  EXPECT_EQ(service().at("deployments").as_array().at(0).at("desiredCount"), 1);
  report_all_running();
  settle();
  EXPECT_EQ(service().at("deployments").as_array().at(0).at("rolloutState"), "COMPLETED");
}

}  // namespace
}  // namespace gantry::controllers
