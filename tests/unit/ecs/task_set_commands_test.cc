// The task set commands (ecs/task_set_commands.h) on a hand-built draft:
// ECS's rules for services of the EXTERNAL and CODE_DEPLOY controllers, the
// computed counts, the PRIMARY's members moving to the service, and
// UpdateService's limits on such services.
#include "ecs/task_set_commands.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/random.h"
#include "ecs/placement_indexes.h"
#include "ecs/service_commands.h"
#include "ecs/service_view.h"
#include "ecs/task_sets.h"
#include "fakes/record_changes.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

class TaskSetCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply({testing::active_cluster_change("web", "eu-west-1")});
    for (int revision : {1, 2}) {
      json::object definition{
          {"family", "app"},
          {"revision", revision},
          {"status", "ACTIVE"},
          {"taskDefinitionArn",
           "arn:aws:ecs:eu-west-1:1:task-definition/app:" + std::to_string(revision)},
          {"containerDefinitions",
           json::array{json::object{{"name", "main"}, {"image", "busybox"}, {"memory", 512}}}}};
      apply({testing::task_definition_change(std::move(definition))});
    }
  }

  Context context() { return {draft_, indexes_, *ids_, now_, "1", "eu-west-1"}; }
  void apply(const std::vector<state::Change>& changes) {
    for (const auto& change : changes) draft_.apply(change);
  }
  void create_service_of(std::string_view controller, int desired) {
    json::object request{{"cluster", "web"},
                         {"serviceName", "api"},
                         {"desiredCount", desired},
                         {"deploymentController", {{"type", controller}}}};
    if (controller != "EXTERNAL") request["taskDefinition"] = "app:1";
    apply(create_service(context(), {request, "arn:aws:iam::1:root"}).changes);
  }
  json::object create_set(double scale, std::string definition = "app:1") {
    auto written = create_task_set(
        context(), {json::object{{"cluster", "web"},
                                 {"service", "api"},
                                 {"taskDefinition", definition},
                                 {"externalId", "deploy-1"},
                                 {"scale", {{"value", scale}, {"unit", "PERCENT"}}}}});
    apply(written.changes);
    return written.task_set;
  }
  TaskSetRef ref(const json::object& task_set) {
    return {"web", "api", std::string(task_set.at("id").as_string())};
  }
  const json::object& service_doc() { return draft_.service("web", "api")->doc; }
  std::string error_of(const std::function<void()>& call) {
    try {
      call();
    } catch (const core::ApiError& error) {
      return error.type() + ": " + error.message();
    }
    return "";
  }

  state::ClusterState draft_;
  PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(5);
  core::SystemTime now_{std::chrono::seconds{1700000000}};
};

TEST_F(TaskSetCommandsTest, AnExternalServiceNeedsNoTaskDefinitionAndHasNoDeployment) {
  create_service_of("EXTERNAL", 3);
  EXPECT_FALSE(service_doc().contains("taskDefinition"));
  EXPECT_TRUE(service_doc().at("deployments").as_array().empty());
  EXPECT_EQ(service_doc().at("deploymentController").at("type"), "EXTERNAL");
  json::object shown = render_service(draft_, *draft_.service("web", "api"), false);
  EXPECT_TRUE(shown.at("taskSets").as_array().empty());
  EXPECT_FALSE(shown.contains("currentServiceDeployment"));
}

TEST_F(TaskSetCommandsTest, ATaskSetIsShownAsEcsWritesIt) {
  create_service_of("EXTERNAL", 3);
  json::object task_set = create_set(50);
  std::string id(task_set.at("id").as_string());
  EXPECT_TRUE(id.starts_with("ecs-svc/"));
  EXPECT_EQ(task_set.at("taskSetArn").as_string(),
            "arn:aws:ecs:eu-west-1:1:task-set/web/api/" + id);
  EXPECT_EQ(task_set.at("serviceArn"), "arn:aws:ecs:eu-west-1:1:service/web/api");
  EXPECT_EQ(task_set.at("clusterArn"), "arn:aws:ecs:eu-west-1:1:cluster/web");
  EXPECT_EQ(task_set.at("status"), "ACTIVE");
  EXPECT_EQ(task_set.at("externalId"), "deploy-1");
  EXPECT_FALSE(task_set.contains("startedBy"));  // "the startedBy field isn't used"
  EXPECT_EQ(task_set.at("taskDefinition"), "arn:aws:ecs:eu-west-1:1:task-definition/app:1");
  EXPECT_EQ(task_set.at("computedDesiredCount"), 2);  // ceil(3 x 50 %)
  EXPECT_EQ(task_set.at("runningCount"), 0);
  EXPECT_EQ(task_set.at("pendingCount"), 0);
  EXPECT_EQ(task_set.at("launchType"), "EC2");
  EXPECT_EQ(task_set.at("scale"), (json::object{{"value", 50.0}, {"unit", "PERCENT"}}));
  EXPECT_EQ(task_set.at("stabilityStatus"), "STABILIZING");
  EXPECT_EQ(task_set.at("stabilityStatusAt"), 1700000000.0);
  EXPECT_EQ(task_set.at("loadBalancers"), json::array());
  EXPECT_EQ(task_set.at("serviceRegistries"), json::array());
  EXPECT_FALSE(task_set.contains("clientToken"));
  json::object shown = render_service(draft_, *draft_.service("web", "api"), false);
  ASSERT_EQ(shown.at("taskSets").as_array().size(), 1u);
  EXPECT_FALSE(shown.at("taskSets").at(0).as_object().contains("tags"));
}

TEST_F(TaskSetCommandsTest, TaskSetsOnlyOnServicesOfAnExternalController) {
  create_service_of("ECS", 1);
  EXPECT_EQ(error_of([&] { create_set(100); }),
            "InvalidParameterException: Amazon ECS only supports task set management on "
            "services configured to use external deployment controllers.");
  EXPECT_EQ(
      error_of([&] {
        create_task_set(
            context(),
            {json::object{{"cluster", "web"}, {"service", "nope"}, {"taskDefinition", "app:1"}}});
      }),
      "ServiceNotFoundException: Service not found.");
}

TEST_F(TaskSetCommandsTest, AtMostFiveTaskSetsAndScaleWithinAHundredPercent) {
  create_service_of("EXTERNAL", 1);
  EXPECT_EQ(error_of([&] { create_set(101); }),
            "InvalidParameterException: The scale value must be between 0 and 100 percent.");
  for (int i = 0; i < 5; ++i) create_set(0);
  EXPECT_EQ(error_of([&] { create_set(0); }),
            "InvalidParameterException: 5 deployments exist on the service. Unable to create new "
            "TaskSet since this exceeds the maximum limit.");
}

TEST_F(TaskSetCommandsTest, ComputedCountsFollowTheServicesDesiredCount) {
  create_service_of("EXTERNAL", 4);
  json::object blue = create_set(100);
  json::object green = create_set(10);
  EXPECT_EQ(green.at("computedDesiredCount"), 1);  // 0.4 rounds up
  auto written = update_service(
      context(), {json::object{{"cluster", "web"}, {"service", "api"}, {"desiredCount", 10}}});
  apply(written.changes);
  const auto& shown = written.service.at("taskSets").as_array();
  EXPECT_EQ(shown[0].at("computedDesiredCount"), 10);
  EXPECT_EQ(shown[1].at("computedDesiredCount"), 1);
  auto scaled = update_task_set(context(), {ref(green), {{"value", 70.0}, {"unit", "PERCENT"}}});
  EXPECT_EQ(scaled.task_set.at("computedDesiredCount"), 7);  // not 8: 10 x 70 % is 7
}

TEST_F(TaskSetCommandsTest, UpdateServiceTakesOnlyWhatAnExternalServiceOwns) {
  create_service_of("EXTERNAL", 1);
  EXPECT_EQ(
      error_of([&] {
        update_service(
            context(),
            {json::object{{"cluster", "web"}, {"service", "api"}, {"taskDefinition", "app:2"}}});
      }),
      "InvalidParameterException: Unable to update taskDefinition on services with a "
      "EXTERNAL deployment controller. Use CreateTaskSet to create a new task set instead.");
  EXPECT_EQ(
      error_of([&] {
        update_service(
            context(),
            {json::object{{"cluster", "web"}, {"service", "api"}, {"forceNewDeployment", true}}});
      }).substr(0, 62),
      "InvalidParameterException: Unable to update forceNewDeployment");
  auto updated = update_service(context(), {json::object{{"cluster", "web"},
                                                         {"service", "api"},
                                                         {"healthCheckGracePeriodSeconds", 30},
                                                         {"propagateTags", "SERVICE"}}});
  EXPECT_EQ(updated.service.at("healthCheckGracePeriodSeconds"), 30);
  EXPECT_TRUE(updated.service.at("deployments").as_array().empty());
}

TEST_F(TaskSetCommandsTest, ThePrimaryTaskSetsMembersMoveToTheService) {
  create_service_of("EXTERNAL", 2);
  json::object blue = create_set(100);
  json::object green = create_set(100, "app:2");
  auto promoted = update_service_primary_task_set(context(), {ref(blue)});
  apply(promoted.changes);
  EXPECT_EQ(promoted.task_set.at("status"), "PRIMARY");
  EXPECT_EQ(service_doc().at("taskDefinition"), "arn:aws:ecs:eu-west-1:1:task-definition/app:1");
  apply(update_service_primary_task_set(context(), {ref(green)}).changes);
  EXPECT_EQ(find_task_set(service_doc(), std::string(blue.at("id").as_string()))->at("status"),
            "ACTIVE");
  EXPECT_EQ(find_task_set(service_doc(), std::string(green.at("id").as_string()))->at("status"),
            "PRIMARY");
  EXPECT_EQ(service_doc().at("taskDefinition"), "arn:aws:ecs:eu-west-1:1:task-definition/app:2");
}

TEST_F(TaskSetCommandsTest, DeletingAsksForForceOnThePrimaryOrOneNotScaledToZero) {
  create_service_of("EXTERNAL", 2);
  json::object blue = create_set(100);
  json::object green = create_set(0);
  apply(update_service_primary_task_set(context(), {ref(blue)}).changes);
  EXPECT_EQ(error_of([&] {
              delete_task_set(context(), {ref(blue), false});
            }).substr(0, 60),
            "InvalidParameterException: The task set is the service's PRI");
  auto deleted = delete_task_set(context(), {ref(green), false});
  apply(deleted.changes);
  EXPECT_EQ(deleted.task_set.at("status"), "DRAINING");
  EXPECT_EQ(deleted.task_set.at("computedDesiredCount"), 0);
  EXPECT_EQ(error_of([&] {
              update_task_set(context(), {ref(green), {{"value", 50.0}}});
            }).substr(0, 25),
            "InvalidParameterException");
  auto forced = delete_task_set(context(), {ref(blue), true});
  EXPECT_EQ(forced.task_set.at("status"), "DRAINING");
  EXPECT_EQ(error_of([&] {
              delete_task_set(context(), {{"web", "api", "ecs-svc/1"}, false});
            }),
            "TaskSetNotFoundException: The specified task set does not exist.");
}

TEST_F(TaskSetCommandsTest, ACodeDeployServiceStartsWithItsOwnPrimaryTaskSet) {
  create_service_of("CODE_DEPLOY", 2);
  const auto& all = *task_sets(service_doc());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].at("status"), "PRIMARY");
  EXPECT_EQ(all[0].at("startedBy"), "CODE_DEPLOY");
  EXPECT_EQ(computed_desired_count(service_doc(), all[0].as_object()), 2);
  EXPECT_TRUE(service_doc().at("deployments").as_array().empty());
}

}  // namespace
}  // namespace gantry::ecs
