// The custom attributes of container instances (api/attributes.cc) through
// the Router: PutAttributes, DeleteAttributes, ListAttributes.
#include <gtest/gtest.h>

#include "api_bodies.h"
#include "api_test_support.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::HandlerHarness;

class AttributesApi : public ::testing::Test {
 protected:
  AttributesApi() {
    api.ok("CreateCluster", {{"clusterName", "prod"}});
    auto registered =
        api.ok("RegisterContainerInstance", test_bodies::instance("prod", 1024, 2048));
    instance_arn = registered.at("containerInstance").at("containerInstanceArn").as_string();
  }

  json::object attribute(const char* name, const char* value) {
    return {{"name", name}, {"value", value}, {"targetId", instance_arn}};
  }
  json::object listed(const char* name, const char* value) {
    return {{"name", name},
            {"value", value},
            {"targetType", "container-instance"},
            {"targetId", instance_arn}};
  }

  HandlerHarness api;
  std::string instance_arn;
};

TEST_F(AttributesApi, PutAttributesAreListedWithTheirTarget) {
  const json::array attributes{attribute("rack", "r1")};
  EXPECT_EQ(
      api.ok("PutAttributes", {{"cluster", "prod"}, {"attributes", attributes}}).at("attributes"),
      attributes);
  EXPECT_EQ(
      api.ok("ListAttributes",
             {{"cluster", "prod"}, {"targetType", "container-instance"}, {"attributeName", "rack"}})
          .at("attributes"),
      json::array{listed("rack", "r1")});
  // The instance itself carries it.
  auto described = api.ok("DescribeContainerInstances",
                          {{"cluster", "prod"}, {"containerInstances", {instance_arn}}});
  bool found = false;
  for (const auto& a : described.at("containerInstances").at(0).at("attributes").as_array()) {
    found = found || (a.at("name") == "rack" && a.at("value") == "r1");
  }
  EXPECT_TRUE(found) << json::serialize(described);
}

TEST_F(AttributesApi, PutAgainReplacesTheValueAndDeleteRemovesIt) {
  api.ok("PutAttributes", {{"cluster", "prod"}, {"attributes", {attribute("rack", "r1")}}});
  api.ok("PutAttributes", {{"cluster", "prod"}, {"attributes", {attribute("rack", "r2")}}});
  json::object by_name{
      {"cluster", "prod"}, {"targetType", "container-instance"}, {"attributeName", "rack"}};
  EXPECT_EQ(api.ok("ListAttributes", by_name).at("attributes"), json::array{listed("rack", "r2")});
  auto by_value = by_name;
  by_value["attributeValue"] = "r1";
  EXPECT_EQ(api.ok("ListAttributes", by_value).at("attributes"), json::array());
  api.ok("DeleteAttributes", {{"cluster", "prod"}, {"attributes", {attribute("rack", "r2")}}});
  EXPECT_EQ(api.ok("ListAttributes", by_name).at("attributes"), json::array());
}

TEST_F(AttributesApi, AnUnknownTargetIsTargetNotFound) {
  json::object stranger{{"name", "rack"}, {"value", "r1"}, {"targetId", "0123456789abcdef"}};
  auto error = api.error("PutAttributes", {{"cluster", "prod"}, {"attributes", {stranger}}});
  EXPECT_EQ(error.type(), "TargetNotFoundException");
  EXPECT_EQ(error.message(),
            "Could not find container instance '0123456789abcdef' in cluster 'prod'.");
  json::object no_target{{"name", "rack"}, {"value", "r1"}};
  auto missing = api.error("PutAttributes", {{"cluster", "prod"}, {"attributes", {no_target}}});
  EXPECT_EQ(missing.type(), "InvalidParameterException");
  EXPECT_NE(missing.message().find("needs a targetId"), std::string::npos) << missing.message();
}

TEST_F(AttributesApi, AnInstanceTakesAtMostTenCustomAttributes) {
  json::array ten;
  for (int i = 0; i < 10; ++i) {
    ten.push_back(attribute(("a" + std::to_string(i)).c_str(), "x"));
  }
  api.ok("PutAttributes", {{"cluster", "prod"}, {"attributes", ten}});
  auto error =
      api.error("PutAttributes", {{"cluster", "prod"}, {"attributes", {attribute("one", "more")}}});
  EXPECT_EQ(error.type(), "AttributeLimitExceededException");
  EXPECT_EQ(error.message(), "You can apply up to 10 custom attributes to a container instance.");
}

TEST_F(AttributesApi, RefusesOtherTargetTypesValueWithoutNameAndMissingClusters) {
  auto type = api.error("ListAttributes", {{"cluster", "prod"}, {"targetType", "task"}});
  EXPECT_EQ(type.type(), "InvalidParameterException");
  EXPECT_EQ(type.message(), "targetType must be container-instance, not task.");
  auto value = api.error(
      "ListAttributes",
      {{"cluster", "prod"}, {"targetType", "container-instance"}, {"attributeValue", "r1"}});
  EXPECT_EQ(value.type(), "InvalidParameterException");
  EXPECT_EQ(value.message(), "attributeValue can only filter together with attributeName.");
  EXPECT_EQ(api.error("ListAttributes", {{"cluster", "nope"}, {"targetType", "container-instance"}})
                .type(),
            "ClusterNotFoundException");
}

}  // namespace
}  // namespace gantry::api
