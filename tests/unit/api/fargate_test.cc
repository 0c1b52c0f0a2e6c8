// The FARGATE pool through the handlers: a host that offers FARGATE alone
// is no cluster's instance, serves the FARGATE tasks of every cluster
// (DescribeFargateHosts shows them per cluster), and InterruptSpotTasks
// stops FARGATE_SPOT tasks as a Spot interruption does.
#include <gtest/gtest.h>

#include "api_bodies.h"
#include "api_test_support.h"
#include "model/capacity_offer.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::HandlerHarness;

json::object fargate_definition(const std::string& family) {
  return {{"family", family},
          {"networkMode", "awsvpc"},
          {"requiresCompatibilities", {"FARGATE"}},
          {"cpu", "256"},
          {"memory", "512"},
          {"containerDefinitions", {{{"name", "app"}, {"image", "busybox"}, {"essential", true}}}}};
}

const json::object kNetwork{{"awsvpcConfiguration", {{"subnets", {"subnet-1"}}}}};

class FargatePoolApiTest : public ::testing::Test {
 protected:
  FargatePoolApiTest() {
    api.ok("CreateCluster", {{"clusterName", "home"}});
    api.ok("CreateCluster", {{"clusterName", "a"}});
    api.ok("CreateCluster", {{"clusterName", "spot"},
                             {"capacityProviders", {"FARGATE", "FARGATE_SPOT"}}});
    auto definition = api.ok("RegisterTaskDefinition", fargate_definition("job"));
    // The host has what the definition requires (awsvpc's capabilities), as
    // a real agent's registration says.
    json::array attributes{{{"name", model::kOffersFargateAttribute}}};
    for (const auto& required : definition.at("taskDefinition").at("requiresAttributes").as_array()) {
      attributes.push_back(json::object{{"name", required.at("name")}});
    }
    json::object host = test_bodies::instance("home", 1024, 1024);
    host["attributes"] = std::move(attributes);
    host_arn = api.ok("RegisterContainerInstance", host)
                   .at("containerInstance")
                   .at("containerInstanceArn")
                   .as_string();
  }

  json::object run(const std::string& cluster, json::object extra = {}) {
    extra["cluster"] = cluster;
    extra["taskDefinition"] = "job";
    extra["networkConfiguration"] = kNetwork;
    if (!extra.contains("capacityProviderStrategy")) extra["launchType"] = "FARGATE";
    return api.ok("RunTask", std::move(extra));
  }

  HandlerHarness api;
  std::string host_arn;
};

TEST_F(FargatePoolApiTest, AFargateHostServesEveryClusterAndBelongsToNone) {
  EXPECT_NE(host_arn.find("/fargate.pool/"), std::string::npos) << host_arn;
  EXPECT_TRUE(api.ok("ListContainerInstances", {{"cluster", "home"}})
                  .at("containerInstanceArns")
                  .as_array()
                  .empty());
  auto in_a = run("a");
  auto in_home = run("home");
  ASSERT_EQ(in_a.at("tasks").as_array().size(), 1u);
  ASSERT_EQ(in_home.at("tasks").as_array().size(), 1u);
  const json::object& task = in_a.at("tasks").at(0).as_object();
  EXPECT_FALSE(task.contains("containerInstanceArn"));
  EXPECT_EQ(task.at("capacityProviderName"), "FARGATE");
  EXPECT_EQ(task.at("availabilityZone"), "us-east-1a");

  // 1024 MiB hold two tasks of 512, whatever their clusters.
  auto full = run("a");
  EXPECT_TRUE(full.at("tasks").as_array().empty());
  EXPECT_EQ(json::serialize(full.at("failures")), R"([{"reason":"RESOURCE:MEMORY"}])");

  auto hosts = api.ok("DescribeFargateHosts", {}).at("fargateHosts").as_array();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].at("containerInstanceArn").as_string(), host_arn);
  EXPECT_EQ(json::serialize(hosts[0].at("tasks")),
            R"([{"cluster":"a","runningTasksCount":0,"pendingTasksCount":1},)"
            R"({"cluster":"home","runningTasksCount":0,"pendingTasksCount":1}])");
  EXPECT_EQ(api.error("DescribeFargateHosts", {{"cluster", "a"}}).type(),
            "InvalidParameterException");
}

TEST_F(FargatePoolApiTest, NoFargateHostMeansNoCapacity) {
  // Named by its ARN: the pool is no cluster.
  api.ok("DeregisterContainerInstance", {{"containerInstance", host_arn}});
  auto answer = run("a");
  EXPECT_TRUE(answer.at("tasks").as_array().empty());
  EXPECT_EQ(answer.at("failures").at(0).at("reason"),
            "Capacity is unavailable at this time. Please try again later or in a different "
            "availability zone");
}

TEST_F(FargatePoolApiTest, AnInterruptionStopsOnlyFargateSpotTasks) {
  auto spot = run("spot", {{"capacityProviderStrategy",
                            {{{"capacityProvider", "FARGATE_SPOT"}, {"weight", 1}}}}});
  auto on_demand = run("spot", {{"capacityProviderStrategy",
                                 {{{"capacityProvider", "FARGATE"}, {"weight", 1}}}}});
  std::string spot_arn(spot.at("tasks").at(0).at("taskArn").as_string());
  std::string on_demand_arn(on_demand.at("tasks").at(0).at("taskArn").as_string());

  auto answer = api.ok("InterruptSpotTasks",
                       {{"cluster", "spot"}, {"tasks", {spot_arn, on_demand_arn, "nope"}}});
  ASSERT_EQ(answer.at("tasks").as_array().size(), 1u);
  const json::object& stopping = answer.at("tasks").at(0).as_object();
  EXPECT_EQ(stopping.at("taskArn").as_string(), spot_arn);
  EXPECT_EQ(stopping.at("desiredStatus"), "STOPPED");
  EXPECT_EQ(stopping.at("stopCode"), "SpotInterruption");
  EXPECT_EQ(stopping.at("stoppedReason"), "Your Spot Task was interrupted.");
  EXPECT_EQ(json::serialize(answer.at("failures")),
            R"([{"arn":")" + on_demand_arn +
                R"(","reason":"The task does not run on FARGATE_SPOT."},{"arn":"nope","reason":"MISSING"}])");

  // Without tasks named: every FARGATE_SPOT task of the cluster, none twice.
  EXPECT_TRUE(api.ok("InterruptSpotTasks", {{"cluster", "spot"}}).at("tasks").as_array().empty());
  EXPECT_EQ(api.error("InterruptSpotTasks", {{"cluster", "gone"}}).type(),
            "ClusterNotFoundException");
  // A member of the wrong type, as AWS's JSON protocol answers it.
  EXPECT_EQ(api.error("InterruptSpotTasks", {{"tasks", "not-a-list"}}).type(),
            "SerializationException");
}

}  // namespace
}  // namespace gantry::api
