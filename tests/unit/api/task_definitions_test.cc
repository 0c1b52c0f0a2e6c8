// The task definition operations (api/task_definitions.cc) through the Router:
// RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
#include <gtest/gtest.h>

#include "api_bodies.h"
#include "api_test_support.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_bodies::task_definition;
using test_support::HandlerHarness;

json::string arn_of(const std::string& family_revision) {
  return json::string("arn:aws:ecs:us-east-1:123456789012:task-definition/" + family_revision);
}

TEST(TaskDefinitionsApi, RegisterAnswersTheRevisionWithWhatEcsComputes) {
  HandlerHarness api;
  auto answer = api.ok("RegisterTaskDefinition", task_definition("web"));
  const auto& definition = answer.at("taskDefinition").as_object();
  EXPECT_EQ(definition.at("family"), "web");
  EXPECT_EQ(definition.at("revision"), 1);
  EXPECT_EQ(definition.at("taskDefinitionArn"), arn_of("web:1"));
  EXPECT_EQ(definition.at("status"), "ACTIVE");
  EXPECT_EQ(definition.at("registeredBy"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(definition.at("registeredAt").to_number<double>(),
            core::to_epoch_seconds(api.clock().now()));
  EXPECT_TRUE(definition.at("compatibilities").is_array());
  EXPECT_EQ(definition.at("containerDefinitions").at(0).at("name"), "app");
  EXPECT_EQ(answer.at("tags"), json::array());
}

TEST(TaskDefinitionsApi, RevisionsCountUpPerFamily) {
  HandlerHarness api;
  api.ok("RegisterTaskDefinition", task_definition("web"));
  api.ok("RegisterTaskDefinition", task_definition("db"));
  auto second = api.ok("RegisterTaskDefinition", task_definition("web", 256));
  EXPECT_EQ(second.at("taskDefinition").at("revision"), 2);
  // The family alone names its latest ACTIVE revision.
  auto latest = api.ok("DescribeTaskDefinition", {{"taskDefinition", "web"}});
  EXPECT_EQ(latest.at("taskDefinition").at("revision"), 2);
  EXPECT_EQ(latest.at("taskDefinition").at("containerDefinitions").at(0).at("memory"), 256);
  auto first = api.ok("DescribeTaskDefinition", {{"taskDefinition", arn_of("web:1")}});
  EXPECT_EQ(first.at("taskDefinition").at("revision"), 1);
}

TEST(TaskDefinitionsApi, RegisterRefusesADefinitionEcsRefuses) {
  HandlerHarness api;
  auto body = task_definition("web");
  auto& containers = body["containerDefinitions"].as_array();
  containers.push_back(containers[0]);  // two containers named "app"
  auto error = api.error("RegisterTaskDefinition", body);
  EXPECT_EQ(error.type(), "ClientException");
  EXPECT_EQ(error.message(), "Container names must be unique within a Task Definition.");
  EXPECT_EQ(api.error("DescribeTaskDefinition", {{"taskDefinition", "web"}}).type(),
            "ClientException");
}

TEST(TaskDefinitionsApi, TagsAreKeptApartAndShownWhenIncluded) {
  HandlerHarness api;
  auto body = task_definition("web");
  body["tags"] = json::array{{{"key", "team"}, {"value", "a"}}};
  auto answer = api.ok("RegisterTaskDefinition", body);
  EXPECT_FALSE(answer.at("taskDefinition").as_object().contains("tags"));
  EXPECT_EQ(answer.at("tags"), (json::array{{{"key", "team"}, {"value", "a"}}}));
  EXPECT_FALSE(api.ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}}).contains("tags"));
  auto described =
      api.ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}, {"include", {"TAGS"}}});
  EXPECT_EQ(described.at("tags"), (json::array{{{"key", "team"}, {"value", "a"}}}));
}

TEST(TaskDefinitionsApi, DescribeOfAnUnknownRevisionIsAClientException) {
  HandlerHarness api;
  api.ok("RegisterTaskDefinition", task_definition("web"));
  auto error = api.error("DescribeTaskDefinition", {{"taskDefinition", "web:7"}});
  EXPECT_EQ(error.type(), "ClientException");
  EXPECT_EQ(error.message(), "Unable to describe task definition.");
}

TEST(TaskDefinitionsApi, ListsByFamilyStatusAndOrder) {
  HandlerHarness api;
  api.ok("RegisterTaskDefinition", task_definition("web"));
  api.ok("RegisterTaskDefinition", task_definition("web"));
  api.ok("RegisterTaskDefinition", task_definition("db"));
  EXPECT_EQ(api.ok("ListTaskDefinitions", {}).at("taskDefinitionArns"),
            (json::array{arn_of("db:1"), arn_of("web:1"), arn_of("web:2")}));
  EXPECT_EQ(api.ok("ListTaskDefinitions", {{"familyPrefix", "web"}, {"sort", "DESC"}})
                .at("taskDefinitionArns"),
            (json::array{arn_of("web:2"), arn_of("web:1")}));
  EXPECT_EQ(api.ok("ListTaskDefinitionFamilies", {{"familyPrefix", "w"}}).at("families"),
            json::array{"web"});
}

TEST(TaskDefinitionsApi, DeregisterMakesTheRevisionInactive) {
  HandlerHarness api;
  api.ok("RegisterTaskDefinition", task_definition("web"));
  api.clock().advance(std::chrono::seconds(60));
  auto answer = api.ok("DeregisterTaskDefinition", {{"taskDefinition", "web:1"}});
  EXPECT_EQ(answer.at("taskDefinition").at("status"), "INACTIVE");
  EXPECT_EQ(answer.at("taskDefinition").at("deregisteredAt").to_number<double>(),
            core::to_epoch_seconds(api.clock().now()));
  EXPECT_EQ(api.ok("ListTaskDefinitions", {}).at("taskDefinitionArns"), json::array());
  EXPECT_EQ(api.ok("ListTaskDefinitions", {{"status", "INACTIVE"}}).at("taskDefinitionArns"),
            json::array{arn_of("web:1")});
  EXPECT_EQ(api.ok("ListTaskDefinitionFamilies", {{"status", "INACTIVE"}}).at("families"),
            json::array{"web"});
  // No ACTIVE revision left: the family alone names nothing.
  EXPECT_EQ(api.error("DescribeTaskDefinition", {{"taskDefinition", "web"}}).type(),
            "ClientException");
  // A new revision is numbered after the deregistered one.
  EXPECT_EQ(
      api.ok("RegisterTaskDefinition", task_definition("web")).at("taskDefinition").at("revision"),
      2);
}

TEST(TaskDefinitionsApi, DeregisterNeedsAnExistingRevision) {
  HandlerHarness api;
  api.ok("RegisterTaskDefinition", task_definition("web"));
  auto without_revision = api.error("DeregisterTaskDefinition", {{"taskDefinition", "web"}});
  EXPECT_EQ(without_revision.type(), "ClientException");
  EXPECT_NE(without_revision.message().find("has no revision"), std::string::npos)
      << without_revision.message();
  auto missing = api.error("DeregisterTaskDefinition", {{"taskDefinition", "web:9"}});
  EXPECT_EQ(missing.type(), "ClientException");
  EXPECT_EQ(missing.message(), "The specified task definition does not exist.");
}

TEST(TaskDefinitionsApi, DeleteTakesInactiveRevisionsAndListsTheRestAsFailures) {
  HandlerHarness api;
  api.ok("RegisterTaskDefinition", task_definition("web"));
  api.ok("RegisterTaskDefinition", task_definition("web"));
  api.ok("DeregisterTaskDefinition", {{"taskDefinition", "web:1"}});
  auto answer =
      api.ok("DeleteTaskDefinitions", {{"taskDefinitions", {"web:1", "web:2", "web:5", "web"}}});
  ASSERT_EQ(answer.at("taskDefinitions").as_array().size(), 1u);
  EXPECT_EQ(answer.at("taskDefinitions").at(0).at("status"), "DELETE_IN_PROGRESS");
  const auto& failures = answer.at("failures").as_array();
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0].at("arn"), "web:2");
  EXPECT_NE(std::string(failures[0].at("reason").as_string()).find("still in ACTIVE status"),
            std::string::npos);
  EXPECT_EQ(failures[1].at("arn"), "web:5");
  EXPECT_EQ(failures[1].at("reason"), "The specified task definition does not exist.");
  EXPECT_EQ(failures[2].at("arn"), "web");
  // Described as DELETE_IN_PROGRESS; no longer deregistrable.
  EXPECT_EQ(api.ok("DescribeTaskDefinition", {{"taskDefinition", "web:1"}})
                .at("taskDefinition")
                .at("status"),
            "DELETE_IN_PROGRESS");
  EXPECT_EQ(api.error("DeregisterTaskDefinition", {{"taskDefinition", "web:1"}}).type(),
            "ClientException");
}

TEST(TaskDefinitionsApi, DeleteTakesOneToTenRevisions) {
  HandlerHarness api;
  auto error = api.error("DeleteTaskDefinitions", {{"taskDefinitions", json::array()}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), "DeleteTaskDefinitions takes 1 to 10 task definitions, got 0.");
}

}  // namespace
}  // namespace gantry::api
