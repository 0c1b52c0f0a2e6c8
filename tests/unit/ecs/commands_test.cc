// The ECS commands as a controller calls them: typed inputs, a Context of
// a draft, no request. Each command's changes are applied to the draft as
// the writer applies them, with the placement indexes listening.
#include <gtest/gtest.h>

#include "core/random.h"
#include "ecs/container_instance_commands.h"
#include "ecs/placement_indexes.h"
#include "ecs/task_launch.h"
#include "ecs/task_reports.h"
#include "ecs/task_stop.h"
#include "fakes/record_changes.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply({testing::active_cluster_change("web", "eu-west-1")});
    json::object definition = json::parse(R"({"family":"app","revision":1,"status":"ACTIVE",
        "taskDefinitionArn":"arn:aws:ecs:eu-west-1:1:task-definition/app:1",
        "containerDefinitions":[{"name":"main","image":"busybox","cpu":256,"memory":512}]})")
                                  .as_object();
    apply({testing::task_definition_change(std::move(definition))});
  }

  Context context() { return {draft_, indexes_, *ids_, now_, "1", "eu-west-1"}; }

  void apply(const std::vector<state::Change>& changes) {
    for (const auto& change : changes) {
      if (auto touched = draft_.apply(change)) indexes_.touched(draft_, *touched);
    }
  }

  std::string register_instance() {
    RegisterInstance command;
    command.cluster = "web";
    command.total_resources = json::array{
        json::object{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", 1024}},
        json::object{{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", 2048}}};
    auto registered = ecs::register_instance(context(), command);
    apply(registered.changes);
    return std::string(registered.container_instance.at("containerInstanceArn").as_string());
  }

  state::ClusterState draft_;
  PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(5);
  core::SystemTime now_{std::chrono::seconds{1700000000}};
};

TEST_F(CommandsTest, RunsPlacesAndStopsTasksWithoutARequest) {
  std::string instance_arn = register_instance();
  RunTasks run{{"web", "app"}};
  run.count = 4;
  run.task.group = "service:api";
  run.task.started_by = "ecs-svc/1";
  Launched launched = run_tasks(context(), run);
  ASSERT_EQ(launched.tasks.size(), 4u);
  EXPECT_TRUE(launched.failures.empty());
  apply(launched.changes);
  EXPECT_EQ(launched.tasks.at(0).at("containerInstanceArn").as_string(), instance_arn);
  EXPECT_EQ(draft_.tasks_in_group("web", "service:api").size(), 4u);
  EXPECT_EQ(draft_.tasks_started_by("web", "ecs-svc/1").size(), 4u);
  EXPECT_TRUE(draft_.tasks_in_group("web", "family:app").empty());

  // A fifth does not fit: the index saw the four.
  run.count = 1;
  Launched more = run_tasks(context(), run);
  EXPECT_TRUE(more.tasks.empty());
  ASSERT_EQ(more.failures.size(), 1u);
  EXPECT_EQ(more.failures[0].reason, "RESOURCE:CPU");

  std::string task = std::string(launched.tasks.at(0).at("taskArn").as_string());
  StopTask stop{"web", task, "Scaling down", "ServiceSchedulerInitiated"};
  Stopped stopped = stop_task(context(), stop);
  ASSERT_EQ(stopped.changes.size(), 1u);
  EXPECT_EQ(stopped.task.at("stopCode"), "ServiceSchedulerInitiated");
  EXPECT_EQ(stopped.task.at("desiredStatus"), "STOPPED");
  apply(stopped.changes);
  EXPECT_TRUE(stop_task(context(), stop).changes.empty());  // stopping already
}

TEST_F(CommandsTest, ReportsMoveATaskForward) {
  register_instance();
  Launched launched = run_tasks(context(), RunTasks{{"web", "app"}});
  apply(launched.changes);
  std::string id = draft_.tasks("web").begin()->second->arn();
  TaskReport running;
  running.status = "RUNNING";
  apply(report_task_state(context(), {"web", id, running}));
  EXPECT_EQ(draft_.tasks("web").begin()->second->last_status(), "RUNNING");

  TaskReport unknown;
  unknown.status = "EXPLODED";
  EXPECT_THROW(report_task_state(context(), {"web", id, unknown}), core::ApiError);
  EXPECT_THROW(report_task_state(context(), {"web", "nope", running}), core::ApiError);
  // Many reports at once drop the unknown tasks.
  EXPECT_TRUE(report_task_states(context(), "web", {{"nope", running}}).empty());
}

TEST_F(CommandsTest, StartTasksOnNamedInstances) {
  std::string instance_arn = register_instance();
  Launched launched = start_tasks(context(), StartTasks{{"web", "app"}, {instance_arn, "gone"}});
  EXPECT_EQ(launched.tasks.size(), 1u);
  ASSERT_EQ(launched.failures.size(), 1u);
  EXPECT_EQ(launched.failures[0].arn, "gone");
  EXPECT_EQ(launched.failures[0].reason, "MISSING");
}

TEST_F(CommandsTest, DrainingAndDeregistration) {
  std::string instance_arn = register_instance();
  InstancesUpdated drained = update_instances_state(context(), {"web", {instance_arn}, "DRAINING"});
  ASSERT_EQ(drained.container_instances.size(), 1u);
  EXPECT_EQ(drained.container_instances.at(0).at("status"), "DRAINING");
  apply(drained.changes);
  EXPECT_THROW(update_instances_state(context(), {"web", {instance_arn}, "INACTIVE"}),
               core::ApiError);
  InstanceChanged gone = deregister_instance(context(), {"web", instance_arn, false});
  EXPECT_EQ(gone.container_instance.at("status"), "INACTIVE");
}

}  // namespace
}  // namespace gantry::ecs
