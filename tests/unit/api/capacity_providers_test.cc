// The capacity provider operations (api/capacity_providers.cc) through the
// Router: CreateCapacityProvider, DescribeCapacityProviders,
// UpdateCapacityProvider, DeleteCapacityProvider; and what clusters,
// services, tags and container instances do with created providers.
#include <gtest/gtest.h>

#include "api_bodies.h"
#include "service_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::HandlerHarness;

constexpr const char* kAsgArn =
    "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1-2-3:autoScalingGroupName/asg";
constexpr const char* kGpuArn = "arn:aws:ecs:us-east-1:123456789012:capacity-provider/gpu";

json::object asg_provider(const std::string& name, json::object extra = {},
                          const std::string& group = kAsgArn) {
  json::object body{{"name", name}, {"autoScalingGroupProvider", {{"autoScalingGroupArn", group}}}};
  for (const auto& member : extra) body[member.key()] = member.value();
  return body;
}

json::object create_provider(HandlerHarness& api, const std::string& name, json::object extra = {},
                             const std::string& group = kAsgArn) {
  return api.ok("CreateCapacityProvider", asg_provider(name, std::move(extra), group))
      .at("capacityProvider")
      .as_object();
}

json::array described(HandlerHarness& api, json::object body = {}) {
  return api.ok("DescribeCapacityProviders", std::move(body)).at("capacityProviders").as_array();
}

std::vector<std::string> names_of(const json::array& providers) {
  std::vector<std::string> names;
  for (const auto& p : providers) names.emplace_back(p.at("name").as_string());
  return names;
}

TEST(CapacityProvidersApi, CreateAnswersTheProviderWithEcsDefaults) {
  HandlerHarness api;
  auto provider = create_provider(api, "gpu", {{"tags", {{{"key", "team"}, {"value", "ml"}}}}});
  EXPECT_EQ(provider.at("capacityProviderArn"), kGpuArn);
  EXPECT_EQ(provider.at("name"), "gpu");
  EXPECT_EQ(provider.at("status"), "ACTIVE");
  EXPECT_EQ(provider.at("type"), "EC2_AUTOSCALING");
  EXPECT_FALSE(provider.contains("updateStatus"));
  EXPECT_NE(provider.at("updateStatusReason").as_string().find("not acted on"), std::string::npos);
  EXPECT_EQ(provider.at("tags"), (json::array{{{"key", "team"}, {"value", "ml"}}}));
  const auto& group = provider.at("autoScalingGroupProvider").as_object();
  EXPECT_EQ(group.at("autoScalingGroupArn"), kAsgArn);
  EXPECT_EQ(group.at("managedTerminationProtection"), "DISABLED");
  EXPECT_EQ(group.at("managedDraining"), "ENABLED");
  EXPECT_EQ(group.at("managedScaling"), (json::object{{"status", "DISABLED"},
                                                      {"targetCapacity", 100},
                                                      {"minimumScalingStepSize", 1},
                                                      {"maximumScalingStepSize", 10000},
                                                      {"instanceWarmupPeriod", 300}}));
}

TEST(CapacityProvidersApi, CreateKeepsTheManagedScalingItIsGiven) {
  HandlerHarness api;
  json::object given{{"autoScalingGroupArn", kAsgArn},
                     {"managedScaling", {{"status", "ENABLED"}, {"targetCapacity", 80}}},
                     {"managedTerminationProtection", "ENABLED"},
                     {"managedDraining", "DISABLED"}};
  auto provider =
      api.ok("CreateCapacityProvider", {{"name", "gpu"}, {"autoScalingGroupProvider", given}})
          .at("capacityProvider");
  const auto& group = provider.at("autoScalingGroupProvider");
  EXPECT_EQ(group.at("managedScaling").at("status"), "ENABLED");
  EXPECT_EQ(group.at("managedScaling").at("targetCapacity"), 80);
  EXPECT_EQ(group.at("managedScaling").at("maximumScalingStepSize"), 10000);
  EXPECT_EQ(group.at("managedTerminationProtection"), "ENABLED");
  EXPECT_EQ(group.at("managedDraining"), "DISABLED");
}

TEST(CapacityProvidersApi, CreateRefusesNamesEcsRefuses) {
  HandlerHarness api;
  for (const char* name : {"aws-gpu", "ECS_pool", "FargateLike", "with space", ""}) {
    auto error = api.error("CreateCapacityProvider", asg_provider(name));
    EXPECT_EQ(error.type(), "InvalidParameterException") << name;
    EXPECT_NE(error.message().find("The specified capacity provider name is invalid."),
              std::string::npos)
        << error.message();
  }
  EXPECT_EQ(names_of(described(api)), (std::vector<std::string>{"FARGATE", "FARGATE_SPOT"}));
}

TEST(CapacityProvidersApi, CreateRefusesADuplicateNameAndAGroupInUse) {
  HandlerHarness api;
  create_provider(api, "gpu");
  auto duplicate = api.error("CreateCapacityProvider", asg_provider("gpu", {}, "other-asg"));
  EXPECT_EQ(duplicate.type(), "ClientException");
  EXPECT_EQ(duplicate.message(),
            "The specified capacity provider already exists. To change the configuration of an "
            "existing capacity provider, update the capacity provider.");
  auto group = api.error("CreateCapacityProvider", asg_provider("cpu"));
  EXPECT_EQ(group.type(), "ClientException");
  EXPECT_NE(group.message().find("already being used by another capacity provider"),
            std::string::npos);
}

TEST(CapacityProvidersApi, CreateNeedsAnAutoScalingGroupProvider) {
  HandlerHarness api;
  EXPECT_EQ(api.error("CreateCapacityProvider", {{"name", "gpu"}}).type(),
            "InvalidParameterException");
  auto managed = api.error("CreateCapacityProvider",
                           {{"name", "gpu"}, {"managedInstancesProvider", json::object{}}});
  EXPECT_EQ(managed.type(), "UnsupportedFeatureException");
}

TEST(CapacityProvidersApi, CreateRefusesAMinimumStepAboveTheMaximum) {
  HandlerHarness api;
  json::object given{
      {"autoScalingGroupArn", kAsgArn},
      {"managedScaling", {{"minimumScalingStepSize", 20}, {"maximumScalingStepSize", 10}}}};
  EXPECT_EQ(
      api.error("CreateCapacityProvider", {{"name", "gpu"}, {"autoScalingGroupProvider", given}})
          .type(),
      "InvalidParameterException");
}

TEST(CapacityProvidersApi, DescribeListsTheBuiltInsFirstThenCreatedOnesByName) {
  HandlerHarness api;
  create_provider(api, "zeta", {}, "asg-z");
  create_provider(api, "alpha", {}, "asg-a");
  auto all = described(api);
  EXPECT_EQ(names_of(all), (std::vector<std::string>{"FARGATE", "FARGATE_SPOT", "alpha", "zeta"}));
  EXPECT_EQ(all.at(0),
            (json::object{{"capacityProviderArn",
                           "arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE"},
                          {"name", "FARGATE"},
                          {"status", "ACTIVE"},
                          {"tags", json::array{}},
                          {"type", "FARGATE"}}));
}

TEST(CapacityProvidersApi, DescribeByNameOrArnAnswersMissingOnesAsFailures) {
  HandlerHarness api;
  create_provider(api, "gpu", {{"tags", {{{"key", "team"}, {"value", "ml"}}}}});
  auto answer = api.ok("DescribeCapacityProviders",
                       {{"capacityProviders", {kGpuArn, "FARGATE_SPOT", "nope"}}});
  EXPECT_EQ(names_of(answer.at("capacityProviders").as_array()),
            (std::vector<std::string>{"gpu", "FARGATE_SPOT"}));
  EXPECT_EQ(answer.at("capacityProviders").at(0).at("tags"), json::array());
  EXPECT_EQ(answer.at("failures"),
            (json::array{{{"arn", "arn:aws:ecs:us-east-1:123456789012:capacity-provider/nope"},
                          {"reason", "MISSING"}}}));
  auto tagged = described(api, {{"capacityProviders", {"gpu"}}, {"include", {"TAGS"}}});
  EXPECT_EQ(tagged.at(0).at("tags"), (json::array{{{"key", "team"}, {"value", "ml"}}}));
}

TEST(CapacityProvidersApi, DescribePagesTenAtATimeOrMaxResults) {
  HandlerHarness api;
  for (int i = 0; i < 9; ++i) {
    create_provider(api, "p" + std::to_string(i), {}, "asg-" + std::to_string(i));
  }
  auto first = api.ok("DescribeCapacityProviders", {});
  EXPECT_EQ(first.at("capacityProviders").as_array().size(), 10u);
  auto rest = api.ok("DescribeCapacityProviders", {{"nextToken", first.at("nextToken")}});
  EXPECT_EQ(names_of(rest.at("capacityProviders").as_array()), (std::vector<std::string>{"p8"}));
  EXPECT_FALSE(rest.contains("nextToken"));
  auto two = api.ok("DescribeCapacityProviders", {{"maxResults", 2}});
  EXPECT_EQ(names_of(two.at("capacityProviders").as_array()),
            (std::vector<std::string>{"FARGATE", "FARGATE_SPOT"}));
  auto next =
      api.ok("DescribeCapacityProviders", {{"maxResults", 2}, {"nextToken", two.at("nextToken")}});
  EXPECT_EQ(names_of(next.at("capacityProviders").as_array()),
            (std::vector<std::string>{"p0", "p1"}));
  EXPECT_EQ(api.error("DescribeCapacityProviders", {{"maxResults", 11}}).type(),
            "InvalidParameterException");
}

TEST(CapacityProvidersApi, DescribeOfAClusterListsItsProvidersOnly) {
  HandlerHarness api;
  create_provider(api, "gpu");
  create_provider(api, "cpu", {}, "asg-cpu");
  api.ok("CreateCluster", {{"clusterName", "prod"}, {"capacityProviders", {"gpu", "FARGATE"}}});
  EXPECT_EQ(names_of(described(api, {{"cluster", "prod"}})),
            (std::vector<std::string>{"FARGATE", "gpu"}));
  EXPECT_EQ(api.error("DescribeCapacityProviders", {{"cluster", "nope"}}).type(),
            "ClusterNotFoundException");
}

TEST(CapacityProvidersApi, UpdateMergesTheGivenSettingsAndCompletes) {
  HandlerHarness api;
  create_provider(api, "gpu");
  auto updated = api.ok("UpdateCapacityProvider",
                        {{"name", "gpu"},
                         {"autoScalingGroupProvider",
                          {{"managedScaling", {{"status", "ENABLED"}, {"targetCapacity", 90}}},
                           {"managedDraining", "DISABLED"}}}})
                     .at("capacityProvider");
  EXPECT_EQ(updated.at("updateStatus"), "UPDATE_COMPLETE");
  const auto& group = updated.at("autoScalingGroupProvider");
  EXPECT_EQ(group.at("autoScalingGroupArn"), kAsgArn);
  EXPECT_EQ(group.at("managedScaling").at("status"), "ENABLED");
  EXPECT_EQ(group.at("managedScaling").at("targetCapacity"), 90);
  EXPECT_EQ(group.at("managedScaling").at("instanceWarmupPeriod"), 300);
  EXPECT_EQ(group.at("managedDraining"), "DISABLED");
  EXPECT_EQ(group.at("managedTerminationProtection"), "DISABLED");
  EXPECT_EQ(described(api, {{"capacityProviders", {"gpu"}}}).at(0), updated);
}

TEST(CapacityProvidersApi, UpdateRefusesBuiltInsAndUnknownProviders) {
  HandlerHarness api;
  EXPECT_EQ(api.error("UpdateCapacityProvider", {{"name", "FARGATE"}}).type(),
            "InvalidParameterException");
  auto unknown = api.error("UpdateCapacityProvider", {{"name", "nope"}});
  EXPECT_EQ(unknown.type(), "ClientException");
  EXPECT_NE(unknown.message().find("was not found"), std::string::npos);
}

TEST(CapacityProvidersApi, DeleteMakesItInactiveDescribableAndItsNameFree) {
  HandlerHarness api;
  create_provider(api, "gpu");
  auto deleted =
      api.ok("DeleteCapacityProvider", {{"capacityProvider", kGpuArn}}).at("capacityProvider");
  EXPECT_EQ(deleted.at("status"), "INACTIVE");
  EXPECT_EQ(deleted.at("updateStatus"), "DELETE_COMPLETE");
  EXPECT_EQ(names_of(described(api)), (std::vector<std::string>{"FARGATE", "FARGATE_SPOT"}));
  EXPECT_EQ(described(api, {{"capacityProviders", {"gpu"}}}).at(0).at("status"), "INACTIVE");
  EXPECT_EQ(api.error("DeleteCapacityProvider", {{"capacityProvider", "gpu"}}).type(),
            "ClientException");
  EXPECT_EQ(
      api.error("CreateCluster", {{"clusterName", "prod"}, {"capacityProviders", {"gpu"}}}).type(),
      "InvalidParameterException");
  EXPECT_EQ(create_provider(api, "gpu").at("status"),
            "ACTIVE");  // the group is free again too
}

TEST(CapacityProvidersApi, DeleteRefusesTheBuiltIns) {
  HandlerHarness api;
  auto error = api.error("DeleteCapacityProvider", {{"capacityProvider", "FARGATE_SPOT"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_NE(error.message().find("reserved"), std::string::npos);
}

TEST(CapacityProvidersApi, DeleteOfAnAssociatedProviderFailsAsEcsAnswersIt) {
  HandlerHarness api;
  create_provider(api, "gpu");
  api.ok("CreateCluster", {{"clusterName", "prod"}, {"capacityProviders", {"gpu"}}});
  auto failed =
      api.ok("DeleteCapacityProvider", {{"capacityProvider", "gpu"}}).at("capacityProvider");
  EXPECT_EQ(failed.at("status"), "ACTIVE");
  EXPECT_EQ(failed.at("updateStatus"), "DELETE_FAILED");
  EXPECT_EQ(failed.at("updateStatusReason"),
            "The capacity provider cannot be deleted because it is associated with cluster: prod. "
            "Remove the capacity provider from the cluster and try again.");
  EXPECT_EQ(described(api, {{"capacityProviders", {"gpu"}}}).at(0).at("updateStatus"),
            "DELETE_FAILED");
  // Once the cluster lets it go, the delete goes through.
  api.ok("PutClusterCapacityProviders", {{"cluster", "prod"},
                                         {"capacityProviders", json::array()},
                                         {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(api.ok("DeleteCapacityProvider", {{"capacityProvider", "gpu"}})
                .at("capacityProvider")
                .at("status"),
            "INACTIVE");
}

TEST(CapacityProvidersApi, AClusterTakesACreatedProviderInItsStrategy) {
  HandlerHarness api;
  create_provider(api, "gpu");
  json::array strategy{{{"capacityProvider", "gpu"}, {"weight", 1}, {"base", 2}}};
  auto cluster = api.ok("CreateCluster", {{"clusterName", "prod"},
                                          {"capacityProviders", {"gpu", "FARGATE"}},
                                          {"defaultCapacityProviderStrategy", strategy}})
                     .at("cluster");
  EXPECT_EQ(cluster.at("capacityProviders"), (json::array{"gpu", "FARGATE"}));
  EXPECT_EQ(cluster.at("defaultCapacityProviderStrategy"), strategy);
  auto unknown = api.error("PutClusterCapacityProviders",
                           {{"cluster", "prod"},
                            {"capacityProviders", {"gpu", "nope"}},
                            {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(unknown.type(), "InvalidParameterException");
  EXPECT_EQ(unknown.message(),
            "The specified capacity provider was not found. Specify a valid capacity provider and "
            "try again.");
}

TEST(CapacityProvidersApi, TagsOfACapacityProvider) {
  HandlerHarness api;
  create_provider(api, "gpu");
  api.ok("TagResource", {{"resourceArn", kGpuArn}, {"tags", {{{"key", "a"}, {"value", "1"}}}}});
  api.ok("TagResource", {{"resourceArn", kGpuArn}, {"tags", {{{"key", "b"}, {"value", "2"}}}}});
  api.ok("UntagResource", {{"resourceArn", kGpuArn}, {"tagKeys", {"a"}}});
  EXPECT_EQ(api.ok("ListTagsForResource", {{"resourceArn", kGpuArn}}).at("tags"),
            (json::array{{{"key", "b"}, {"value", "2"}}}));
  EXPECT_EQ(
      api.error("ListTagsForResource",
                {{"resourceArn", "arn:aws:ecs:us-east-1:123456789012:capacity-provider/nope"}})
          .type(),
      "InvalidParameterException");
}

// A service of "prod" whose strategy names the created provider "gpu".
class CapacityProviderServiceTest : public test_support::ServiceApiTest {
 protected:
  CapacityProviderServiceTest() {
    create_provider(api, "gpu");
    api.ok("PutClusterCapacityProviders", {{"cluster", "prod"},
                                           {"capacityProviders", {"gpu", "FARGATE"}},
                                           {"defaultCapacityProviderStrategy", json::array()}});
    ServiceApiTest::create(
        "web", {{"capacityProviderStrategy", {{{"capacityProvider", "gpu"}, {"weight", 1}}}}});
  }
};

TEST_F(CapacityProviderServiceTest, AClusterKeepsAProviderItsServiceUses) {
  auto error = api.error("PutClusterCapacityProviders",
                         {{"cluster", "prod"},
                          {"capacityProviders", {"FARGATE"}},
                          {"defaultCapacityProviderStrategy", json::array()}});
  EXPECT_EQ(error.type(), "ResourceInUseException");
  EXPECT_EQ(error.message(), "The specified capacity provider is in use and cannot be removed.");
  // Dropping a provider no service uses is fine.
  api.ok("PutClusterCapacityProviders", {{"cluster", "prod"},
                                         {"capacityProviders", {"gpu"}},
                                         {"defaultCapacityProviderStrategy", json::array()}});
}

TEST_F(CapacityProviderServiceTest, DeleteOfAProviderInUseFailsAndKeepsIt) {
  auto failed =
      api.ok("DeleteCapacityProvider", {{"capacityProvider", "gpu"}}).at("capacityProvider");
  EXPECT_EQ(failed.at("status"), "ACTIVE");
  EXPECT_EQ(failed.at("updateStatus"), "DELETE_FAILED");
}

TEST(CapacityProvidersApi, AnInstanceOfAProviderShowsItsName) {
  HandlerHarness api;
  create_provider(api, "gpu");
  api.ok("CreateCluster", {{"clusterName", "prod"}});
  json::object body{{"cluster", "prod"},
                    {"totalResources",
                     {{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", 1024}},
                      {{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", 2048}}}},
                    {"attributes", {{{"name", "gantry.capacity-provider"}, {"value", "gpu"}}}}};
  auto instance = api.ok("RegisterContainerInstance", body).at("containerInstance");
  EXPECT_EQ(instance.at("capacityProviderName"), "gpu");
  auto described_instance =
      api.ok("DescribeContainerInstances",
             {{"cluster", "prod"}, {"containerInstances", {instance.at("containerInstanceArn")}}})
          .at("containerInstances")
          .at(0);
  EXPECT_EQ(described_instance.at("capacityProviderName"), "gpu");
  body["attributes"] = {{{"name", "gantry.capacity-provider"}, {"value", "nope"}}};
  EXPECT_EQ(api.error("RegisterContainerInstance", body).type(), "InvalidParameterException");
  body["attributes"] = {{{"name", "gantry.capacity-provider"}, {"value", "FARGATE"}}};
  EXPECT_EQ(api.error("RegisterContainerInstance", body).type(), "InvalidParameterException");
}

}  // namespace
}  // namespace gantry::api
