#include "core/arn.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace gantry::core {
namespace {

TEST(ArnsTest, ParsesEcsArns) {
  auto arn = parse_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3");
  ASSERT_TRUE(arn);
  EXPECT_EQ(arn->region, "eu-west-1");
  EXPECT_EQ(arn->account_id, "123456789012");
  EXPECT_EQ(arn->resource_type, "task-definition");
  EXPECT_EQ(arn->resource_id, "web:3");
}

TEST(ArnsTest, RefusesOtherArns) {
  EXPECT_FALSE(parse_arn("arn:aws:s3:::bucket"));
  EXPECT_FALSE(parse_arn("arn:aws:ecs:us-east-1:1:cluster"));
  EXPECT_FALSE(parse_arn("arn:aws:ecs:us-east-1:1:cluster/"));
  EXPECT_FALSE(parse_arn("arn:aws:ecs:us-east-1"));
  EXPECT_FALSE(parse_arn(""));
}

TEST(ArnsTest, BuildsArnsThatParseBack) {
  EXPECT_EQ(cluster_arn("us-east-1", "123456789012", "prod"),
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod");
  EXPECT_EQ(cluster_name_from(cluster_arn("us-east-1", "1", "prod")), "prod");
  EXPECT_EQ(cluster_name_from("prod"), "prod");
  EXPECT_THROW(cluster_name_from("arn:aws:ecs:us-east-1:1:task/x"), core::ApiError);
}

TEST(ArnsTest, TaskDefinitionReferences) {
  auto bare = parse_task_definition_ref("web");
  EXPECT_EQ(bare.family, "web");
  EXPECT_FALSE(bare.revision);
  auto pinned = parse_task_definition_ref("web:12");
  EXPECT_EQ(pinned.family, "web");
  EXPECT_EQ(*pinned.revision, 12);
  auto by_arn = parse_task_definition_ref(task_definition_arn("us-east-1", "1", "web", 7));
  EXPECT_EQ(by_arn.family, "web");
  EXPECT_EQ(*by_arn.revision, 7);
  for (const char* bad :
       {"web:", "web:0", "web:x", ":3", "web:99999999999",
        "arn:aws:ecs:us-east-1:1:task-definition/web", "arn:aws:ecs:us-east-1:1:cluster/web:1"}) {
    EXPECT_THROW(parse_task_definition_ref(bad), core::ApiError) << bad;
  }
}

TEST(ArnsTest, LastSegmentAndFamily) {
  EXPECT_EQ(arn_last_segment("arn:aws:ecs:us-east-1:1:task/prod/abc"), "abc");
  EXPECT_EQ(arn_last_segment("abc"), "abc");
  EXPECT_EQ(task_definition_family("arn:aws:ecs:us-east-1:1:task-definition/web:3"), "web");
  EXPECT_EQ(task_definition_family("web"), "");
}

}  // namespace
}  // namespace gantry::core
