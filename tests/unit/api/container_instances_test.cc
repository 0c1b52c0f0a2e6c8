// The container instance operations (api/container_instances.cc) through
// the Router: RegisterContainerInstance, DeregisterContainerInstance,
// DescribeContainerInstances, ListContainerInstances,
// UpdateContainerInstancesState, DiscoverPollEndpoint.
#include <gtest/gtest.h>

#include "api_bodies.h"
#include "api_test_support.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_bodies::instance;
using test_support::HandlerHarness;

json::value resource(const json::value& instance, const char* name) {
  for (const auto& r : instance.at("registeredResources").as_array()) {
    if (r.at("name") == name) return r;
  }
  return nullptr;
}

class ContainerInstancesApi : public ::testing::Test {
 protected:
  ContainerInstancesApi() { api.ok("CreateCluster", {{"clusterName", "prod"}}); }

  std::string register_instance(json::object body) {
    auto answer = api.ok("RegisterContainerInstance", std::move(body));
    return std::string(answer.at("containerInstance").at("containerInstanceArn").as_string());
  }
  json::array listed(json::object body = {}) {
    body["cluster"] = "prod";
    return api.ok("ListContainerInstances", std::move(body)).at("containerInstanceArns").as_array();
  }

  HandlerHarness api;
};

TEST_F(ContainerInstancesApi, RegisterAnswersAnActiveInstanceWithItsResources) {
  auto answer = api.ok("RegisterContainerInstance", instance("prod", 2048, 4096, "i-0abc"));
  const auto& registered = answer.at("containerInstance");
  const std::string arn(registered.at("containerInstanceArn").as_string());
  EXPECT_TRUE(arn.starts_with("arn:aws:ecs:us-east-1:123456789012:container-instance/prod/"))
      << arn;
  EXPECT_EQ(registered.at("status"), "ACTIVE");
  EXPECT_EQ(registered.at("ec2InstanceId"), "i-0abc");
  EXPECT_EQ(registered.at("version"), 1);
  EXPECT_EQ(resource(registered, "CPU").at("integerValue"), 2048);
  EXPECT_EQ(resource(registered, "MEMORY").at("integerValue"), 4096);
  EXPECT_TRUE(resource(registered, "PORTS").is_object());  // added when not given
  EXPECT_EQ(listed(), json::array{arn});
  auto cluster = api.ok("DescribeClusters", {{"clusters", {"prod"}}}).at("clusters").at(0);
  EXPECT_EQ(cluster.at("registeredContainerInstancesCount"), 1);
}

TEST_F(ContainerInstancesApi, ReRegisteringByTheEc2IdKeepsTheInstance) {
  const std::string arn = register_instance(instance("prod", 1024, 2048, "i-0abc"));
  auto again = api.ok("RegisterContainerInstance", instance("prod", 4096, 2048, "i-0abc"));
  EXPECT_EQ(again.at("containerInstance").at("containerInstanceArn").as_string(), arn);
  EXPECT_EQ(again.at("containerInstance").at("version"), 2);
  EXPECT_EQ(resource(again.at("containerInstance"), "CPU").at("integerValue"), 4096);
  EXPECT_EQ(listed(), json::array{arn});
}

TEST_F(ContainerInstancesApi, RegisterRefusesNegativeResourcesAndUnknownArnsAndClusters) {
  auto negative = api.error("RegisterContainerInstance", instance("prod", -1, 2048));
  EXPECT_EQ(negative.type(), "InvalidParameterException");
  EXPECT_EQ(negative.message(), "The CPU resource cannot be negative.");
  auto body = instance("prod", 1024, 2048);
  body["containerInstanceArn"] =
      "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/0123456789abcdef";
  auto unknown = api.error("RegisterContainerInstance", body);
  EXPECT_EQ(unknown.type(), "InvalidParameterException");
  EXPECT_NE(unknown.message().find("is not registered in cluster 'prod'"), std::string::npos)
      << unknown.message();
  EXPECT_EQ(api.error("RegisterContainerInstance", instance("nope", 1024, 2048)).type(),
            "ClusterNotFoundException");
  EXPECT_EQ(listed(), json::array());
}

TEST_F(ContainerInstancesApi, DescribeListsTheMissingAsFailuresAndTellsTheAgentIsAway) {
  const std::string arn = register_instance(instance("prod", 1024, 2048));
  auto answer =
      api.ok("DescribeContainerInstances", {{"cluster", "prod"},
                                            {"containerInstances", {arn, "0123456789abcdef"}},
                                            {"include", {"CONTAINER_INSTANCE_HEALTH"}}});
  ASSERT_EQ(answer.at("containerInstances").as_array().size(), 1u);
  const auto& described = answer.at("containerInstances").at(0);
  EXPECT_EQ(described.at("containerInstanceArn").as_string(), arn);
  EXPECT_EQ(described.at("agentConnected"), false);  // no agent channel in these tests
  EXPECT_EQ(described.at("healthStatus").at("overallStatus"), "INSUFFICIENT_DATA");
  EXPECT_EQ(answer.at("failures"),
            (json::array{{{"arn", "0123456789abcdef"}, {"reason", "MISSING"}}}));
}

TEST_F(ContainerInstancesApi, DrainingIsAStateToListByAndBackToActive) {
  const std::string arn = register_instance(instance("prod", 1024, 2048));
  auto drained =
      api.ok("UpdateContainerInstancesState", {{"cluster", "prod"},
                                               {"containerInstances", {arn, "0123456789abcdef"}},
                                               {"status", "DRAINING"}});
  EXPECT_EQ(drained.at("containerInstances").at(0).at("status"), "DRAINING");
  EXPECT_EQ(drained.at("failures"),
            (json::array{{{"arn", "0123456789abcdef"}, {"reason", "MISSING"}}}));
  EXPECT_EQ(listed({{"status", "DRAINING"}}), json::array{arn});
  EXPECT_EQ(listed({{"status", "ACTIVE"}}), json::array());
  api.ok("UpdateContainerInstancesState",
         {{"cluster", "prod"}, {"containerInstances", {arn}}, {"status", "ACTIVE"}});
  EXPECT_EQ(listed({{"status", "ACTIVE"}}), json::array{arn});
  auto error =
      api.error("UpdateContainerInstancesState",
                {{"cluster", "prod"}, {"containerInstances", {arn}}, {"status", "INACTIVE"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(),
            "Container instances can only be set to ACTIVE or DRAINING, not INACTIVE.");
}

TEST_F(ContainerInstancesApi, ListFiltersWithTheClusterQueryLanguage) {
  const std::string first = register_instance(instance("prod", 1024, 2048));
  auto body = instance("prod", 1024, 2048);
  body["attributes"] = json::array{{{"name", "rack"}, {"value", "r2"}}};
  const std::string second = register_instance(body);
  EXPECT_EQ(listed({{"filter", "attribute:rack == r2"}}), json::array{second});
  EXPECT_EQ(listed().size(), 2u);
}

TEST_F(ContainerInstancesApi, DeregisterMakesTheInstanceInactive) {
  const std::string arn = register_instance(instance("prod", 1024, 2048));
  auto answer =
      api.ok("DeregisterContainerInstance", {{"cluster", "prod"}, {"containerInstance", arn}});
  EXPECT_EQ(answer.at("containerInstance").at("status"), "INACTIVE");
  EXPECT_EQ(listed(), json::array());
  EXPECT_EQ(listed({{"status", "INACTIVE"}}), json::array{arn});
  auto cluster = api.ok("DescribeClusters", {{"clusters", {"prod"}}}).at("clusters").at(0);
  EXPECT_EQ(cluster.at("registeredContainerInstancesCount"), 0);
  auto missing = api.error("DeregisterContainerInstance",
                           {{"cluster", "prod"}, {"containerInstance", "0123456789abcdef"}});
  EXPECT_EQ(missing.type(), "InvalidParameterException");
  EXPECT_EQ(missing.message(),
            "The referenced container instance '0123456789abcdef' was not found in cluster "
            "'prod'.");
}

TEST_F(ContainerInstancesApi, AClusterWithAnInstanceCannotBeDeleted) {
  const std::string arn = register_instance(instance("prod", 1024, 2048));
  auto error = api.error("DeleteCluster", {{"cluster", "prod"}});
  EXPECT_EQ(error.type(), "ClusterContainsContainerInstancesException");
  api.ok("DeregisterContainerInstance", {{"cluster", "prod"}, {"containerInstance", arn}});
  EXPECT_EQ(api.ok("DeleteCluster", {{"cluster", "prod"}}).at("cluster").at("status"), "INACTIVE");
}

TEST_F(ContainerInstancesApi, DiscoverPollEndpointAnswersTheAgentChannel) {
  auto answer = api.ok("DiscoverPollEndpoint", {{"cluster", "prod"}});
  EXPECT_EQ(answer.at("endpoint"), "ws://127.0.0.1:8246/v1/agent");
  EXPECT_EQ(answer.at("telemetryEndpoint"), "ws://127.0.0.1:8246/v1/agent");
  EXPECT_EQ(api.error("DiscoverPollEndpoint", {{"cluster", "nope"}}).type(),
            "ClusterNotFoundException");
}

}  // namespace
}  // namespace gantry::api
