// The cluster operations (api/clusters.cc) through the Router: CreateCluster,
// DescribeClusters, ListClusters, UpdateCluster, UpdateClusterSettings,
// PutClusterCapacityProviders, DeleteCluster.
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::HandlerHarness;

constexpr const char* kProdArn = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";

json::value setting(const json::object& cluster, const char* name) {
  for (const auto& s : cluster.at("settings").as_array()) {
    if (s.at("name") == name) return s.at("value");
  }
  return nullptr;
}

TEST(ClustersApi, CreateClusterAnswersTheClusterWithItsArnAndDefaults) {
  HandlerHarness api;
  auto cluster = api.ok("CreateCluster", {{"clusterName", "prod"}}).at("cluster").as_object();
  EXPECT_EQ(cluster.at("clusterName"), "prod");
  EXPECT_EQ(cluster.at("clusterArn"), kProdArn);
  EXPECT_EQ(cluster.at("status"), "ACTIVE");
  EXPECT_EQ(cluster.at("registeredContainerInstancesCount"), 0);
  EXPECT_EQ(cluster.at("runningTasksCount"), 0);
  EXPECT_EQ(cluster.at("pendingTasksCount"), 0);
  EXPECT_EQ(setting(cluster, "containerInsights"), "disabled");
  EXPECT_EQ(cluster.at("capacityProviders"), json::array());
}

TEST(ClustersApi, CreateClusterWithoutANameCreatesDefault) {
  HandlerHarness api;
  auto cluster = api.ok("CreateCluster", {}).at("cluster");
  EXPECT_EQ(cluster.at("clusterName"), "default");
}

TEST(ClustersApi, CreateClusterIsIdempotentByName) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}, {"tags", {{{"key", "team"}, {"value", "a"}}}}});
  const int64_t revision = api.store().revision();
  // A second create answers the existing cluster and writes nothing.
  auto again = api.ok("CreateCluster", {{"clusterName", "prod"}}).at("cluster");
  EXPECT_EQ(again.at("tags"), (json::array{{{"key", "team"}, {"value", "a"}}}));
  EXPECT_EQ(api.store().revision(), revision);
  EXPECT_EQ(api.ok("ListClusters", {}).at("clusterArns"), json::array{kProdArn});
}

TEST(ClustersApi, CreateClusterRefusesABadName) {
  HandlerHarness api;
  auto error = api.error("CreateCluster", {{"clusterName", "no spaces"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_NE(error.message().find("Invalid cluster name 'no spaces'"), std::string::npos)
      << error.message();
  EXPECT_EQ(api.ok("ListClusters", {}).at("clusterArns"), json::array());
}

TEST(ClustersApi, CreateClusterRefusesAnUnknownCapacityProvider) {
  HandlerHarness api;
  auto error = api.error("CreateCluster",
                         {{"clusterName", "prod"}, {"capacityProviders", {"FARGATE", "MY_ASG"}}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_NE(error.message().find("The specified capacity provider was not found."),
            std::string::npos)
      << error.message();
}

TEST(ClustersApi, CreateClusterRefusesAStrategyOutsideItsProviders) {
  HandlerHarness api;
  auto error =
      api.error("CreateCluster",
                {{"clusterName", "prod"},
                 {"capacityProviders", {"FARGATE"}},
                 {"defaultCapacityProviderStrategy", {{{"capacityProvider", "FARGATE_SPOT"}}}}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_NE(error.message().find("'FARGATE_SPOT', which is not associated"), std::string::npos)
      << error.message();
}

TEST(ClustersApi, CreateClusterRefusesABadContainerInsightsValue) {
  HandlerHarness api;
  auto error = api.error("CreateCluster",
                         {{"clusterName", "prod"},
                          {"settings", {{{"name", "containerInsights"}, {"value", "sometimes"}}}}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_NE(error.message().find("got 'sometimes'"), std::string::npos) << error.message();
}

TEST(ClustersApi, DescribeClustersListsTheMissingAsFailures) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  auto answer = api.ok("DescribeClusters", {{"clusters", {"prod", "nope"}}});
  ASSERT_EQ(answer.at("clusters").as_array().size(), 1u);
  EXPECT_EQ(answer.at("clusters").at(0).at("clusterName"), "prod");
  EXPECT_EQ(answer.at("failures"),
            (json::array{{{"arn", "arn:aws:ecs:us-east-1:123456789012:cluster/nope"},
                          {"reason", "MISSING"}}}));
}

TEST(ClustersApi, DescribeClustersTakesArnsAndDefaultsToDefault) {
  HandlerHarness api;
  api.ok("CreateCluster", {});
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  auto by_arn = api.ok("DescribeClusters", {{"clusters", {kProdArn}}});
  EXPECT_EQ(by_arn.at("clusters").at(0).at("clusterName"), "prod");
  auto unnamed = api.ok("DescribeClusters", {});
  ASSERT_EQ(unnamed.at("clusters").as_array().size(), 1u);
  EXPECT_EQ(unnamed.at("clusters").at(0).at("clusterName"), "default");
}

TEST(ClustersApi, DescribeClustersShowsTagsAndSettingsOnlyWhenIncluded) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}, {"tags", {{{"key", "team"}, {"value", "a"}}}}});
  auto plain = api.ok("DescribeClusters", {{"clusters", {"prod"}}}).at("clusters").at(0);
  EXPECT_EQ(plain.at("tags"), json::array());
  EXPECT_FALSE(plain.as_object().contains("settings"));
  EXPECT_EQ(plain.at("statistics"), json::array());
  auto full = api.ok("DescribeClusters",
                     {{"clusters", {"prod"}}, {"include", {"TAGS", "SETTINGS", "STATISTICS"}}})
                  .at("clusters")
                  .at(0);
  EXPECT_EQ(full.at("tags"), (json::array{{{"key", "team"}, {"value", "a"}}}));
  EXPECT_EQ(setting(full.as_object(), "containerInsights"), "disabled");
  EXPECT_FALSE(full.at("statistics").as_array().empty());
}

TEST(ClustersApi, ListClustersPagesInNameOrder) {
  HandlerHarness api;
  for (const char* name : {"c", "a", "b"}) api.ok("CreateCluster", {{"clusterName", name}});
  auto first = api.ok("ListClusters", {{"maxResults", 2}});
  EXPECT_EQ(first.at("clusterArns"), (json::array{"arn:aws:ecs:us-east-1:123456789012:cluster/a",
                                                  "arn:aws:ecs:us-east-1:123456789012:cluster/b"}));
  ASSERT_TRUE(first.contains("nextToken"));
  auto rest = api.ok("ListClusters", {{"nextToken", first.at("nextToken")}});
  EXPECT_EQ(rest.at("clusterArns"), json::array{"arn:aws:ecs:us-east-1:123456789012:cluster/c"});
  EXPECT_FALSE(rest.contains("nextToken"));
}

TEST(ClustersApi, UpdateClusterSettingsMergesByName) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  auto cluster = api.ok("UpdateClusterSettings",
                        {{"cluster", "prod"},
                         {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}})
                     .at("cluster")
                     .as_object();
  EXPECT_EQ(setting(cluster, "containerInsights"), "enabled");
  EXPECT_EQ(cluster.at("settings").as_array().size(), 1u);
}

TEST(ClustersApi, UpdateClusterKeepsTheConfigurationGiven) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  const json::object configuration{{"executeCommandConfiguration", {{"logging", "DEFAULT"}}}};
  auto cluster = api.ok("UpdateCluster", {{"cluster", "prod"}, {"configuration", configuration}})
                     .at("cluster");
  EXPECT_EQ(cluster.at("configuration"), configuration);
  auto described =
      api.ok("DescribeClusters", {{"clusters", {"prod"}}, {"include", {"CONFIGURATIONS"}}});
  EXPECT_EQ(described.at("clusters").at(0).at("configuration"), configuration);
}

TEST(ClustersApi, UpdatesOfAMissingClusterAreClusterNotFound) {
  HandlerHarness api;
  auto error = api.error(
      "UpdateClusterSettings",
      {{"cluster", "nope"}, {"settings", {{{"name", "containerInsights"}, {"value", "enabled"}}}}});
  EXPECT_EQ(error.type(), "ClusterNotFoundException");
  EXPECT_EQ(error.message(), "Cluster not found.");
  EXPECT_EQ(api.error("DeleteCluster", {{"cluster", "nope"}}).type(), "ClusterNotFoundException");
}

TEST(ClustersApi, PutClusterCapacityProvidersSetsProvidersAndStrategy) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  const json::array strategy{{{"capacityProvider", "FARGATE"}, {"weight", 1}, {"base", 1}}};
  auto cluster =
      api.ok("PutClusterCapacityProviders", {{"cluster", "prod"},
                                             {"capacityProviders", {"FARGATE", "FARGATE_SPOT"}},
                                             {"defaultCapacityProviderStrategy", strategy}})
          .at("cluster");
  EXPECT_EQ(cluster.at("capacityProviders"), (json::array{"FARGATE", "FARGATE_SPOT"}));
  EXPECT_EQ(cluster.at("defaultCapacityProviderStrategy"), strategy);
  auto twice = api.error("PutClusterCapacityProviders",
                         {{"cluster", "prod"},
                          {"capacityProviders", {"FARGATE", "FARGATE"}},
                          {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(twice.type(), "InvalidParameterException");
  EXPECT_NE(twice.message().find("listed twice"), std::string::npos) << twice.message();
}

TEST(ClustersApi, DeleteClusterLeavesItInactiveAndOutOfTheList) {
  HandlerHarness api;
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  auto deleted = api.ok("DeleteCluster", {{"cluster", "prod"}}).at("cluster");
  EXPECT_EQ(deleted.at("status"), "INACTIVE");
  EXPECT_EQ(api.ok("ListClusters", {}).at("clusterArns"), json::array());
  // Still describable, as on ECS; no longer updatable.
  auto described = api.ok("DescribeClusters", {{"clusters", {"prod"}}});
  EXPECT_EQ(described.at("clusters").at(0).at("status"), "INACTIVE");
  auto error = api.error("UpdateCluster", {{"cluster", "prod"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_NE(error.message().find("inactive"), std::string::npos) << error.message();
  // Created again, it is ACTIVE.
  EXPECT_EQ(api.ok("CreateCluster", {{"clusterName", "prod"}}).at("cluster").at("status"),
            "ACTIVE");
}

}  // namespace
}  // namespace gantry::api
