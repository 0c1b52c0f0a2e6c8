// The tagging operations (api/tagging.cc) through the Router: TagResource,
// UntagResource, ListTagsForResource on clusters, task definitions and
// container instances.
#include <gtest/gtest.h>

#include <algorithm>

#include "api_bodies.h"
#include "api_test_support.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::HandlerHarness;

constexpr const char* kClusterArn = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";

json::object tag(const char* key, const char* value) { return {{"key", key}, {"value", value}}; }

class TaggingApi : public ::testing::Test {
 protected:
  TaggingApi() { api.ok("CreateCluster", {{"clusterName", "prod"}}); }

  // The resource's tags in key order (ECS promises none).
  json::array tags_of(const std::string& arn) {
    auto tags = api.ok("ListTagsForResource", {{"resourceArn", arn}}).at("tags").as_array();
    std::sort(tags.begin(), tags.end(), [](const json::value& a, const json::value& b) {
      return a.at("key").as_string() < b.at("key").as_string();
    });
    return tags;
  }

  HandlerHarness api;
};

TEST_F(TaggingApi, TagsAreAddedMergedByKeyAndRemoved) {
  EXPECT_EQ(api.ok("TagResource", {{"resourceArn", kClusterArn},
                                   {"tags", {tag("team", "a"), tag("tier", "web")}}}),
            json::object());
  EXPECT_EQ(tags_of(kClusterArn), (json::array{tag("team", "a"), tag("tier", "web")}));
  // A key tagged again takes the new value.
  api.ok("TagResource", {{"resourceArn", kClusterArn}, {"tags", {tag("team", "b")}}});
  EXPECT_EQ(tags_of(kClusterArn), (json::array{tag("team", "b"), tag("tier", "web")}));
  EXPECT_EQ(api.ok("UntagResource", {{"resourceArn", kClusterArn}, {"tagKeys", {"team", "none"}}}),
            json::object());
  EXPECT_EQ(tags_of(kClusterArn), json::array{tag("tier", "web")});
  // What DescribeClusters shows is the same record.
  auto described = api.ok("DescribeClusters", {{"clusters", {"prod"}}, {"include", {"TAGS"}}});
  EXPECT_EQ(described.at("clusters").at(0).at("tags"), json::array{tag("tier", "web")});
}

TEST_F(TaggingApi, TaskDefinitionRevisionsAreTaggedOneByOne) {
  api.ok("RegisterTaskDefinition", test_bodies::task_definition("web"));
  api.ok("RegisterTaskDefinition", test_bodies::task_definition("web"));
  const std::string first = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1";
  api.ok("TagResource", {{"resourceArn", first}, {"tags", {tag("team", "a")}}});
  EXPECT_EQ(tags_of(first), json::array{tag("team", "a")});
  EXPECT_EQ(tags_of("arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"), json::array());
  auto without_revision =
      api.error("ListTagsForResource",
                {{"resourceArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/web"}});
  EXPECT_EQ(without_revision.type(), "ResourceNotFoundException");
}

TEST_F(TaggingApi, ContainerInstancesAreTaggable) {
  auto registered = api.ok("RegisterContainerInstance", test_bodies::instance("prod", 1024, 2048));
  const std::string arn(registered.at("containerInstance").at("containerInstanceArn").as_string());
  api.ok("TagResource", {{"resourceArn", arn}, {"tags", {tag("rack", "r1")}}});
  EXPECT_EQ(tags_of(arn), json::array{tag("rack", "r1")});
}

TEST_F(TaggingApi, ReservedAndDuplicateKeysAreRefused) {
  auto reserved =
      api.error("TagResource", {{"resourceArn", kClusterArn}, {"tags", {tag("aws:owner", "me")}}});
  EXPECT_EQ(reserved.type(), "InvalidParameterException");
  EXPECT_EQ(reserved.message(),
            "Tag key 'aws:owner' is invalid: the aws: prefix is reserved for AWS use.");
  auto twice = api.error("TagResource", {{"resourceArn", kClusterArn},
                                         {"tags", {tag("team", "a"), tag("team", "b")}}});
  EXPECT_EQ(twice.type(), "InvalidParameterException");
  EXPECT_EQ(twice.message(), "Tag key 'team' appears more than once.");
  EXPECT_EQ(tags_of(kClusterArn), json::array());
}

TEST_F(TaggingApi, UnknownResourcesAreRefusedAsEcsDoes) {
  auto no_cluster =
      api.error("TagResource", {{"resourceArn", "arn:aws:ecs:us-east-1:123456789012:cluster/nope"},
                                {"tags", {tag("team", "a")}}});
  EXPECT_EQ(no_cluster.type(), "ClusterNotFoundException");
  auto no_definition =
      api.error("ListTagsForResource",
                {{"resourceArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"}});
  EXPECT_EQ(no_definition.type(), "ResourceNotFoundException");
  auto no_instance = api.error(
      "ListTagsForResource",
      {{"resourceArn", "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/abc"}});
  EXPECT_EQ(no_instance.type(), "InvalidParameterException");
  EXPECT_NE(no_instance.message().find("container-instance does not exist"), std::string::npos)
      << no_instance.message();
  auto not_an_arn = api.error("ListTagsForResource", {{"resourceArn", "prod"}});
  EXPECT_EQ(not_an_arn.type(), "InvalidParameterException");
  EXPECT_NE(not_an_arn.message().find("Invalid resourceArn 'prod'"), std::string::npos)
      << not_an_arn.message();
}

}  // namespace
}  // namespace gantry::api
