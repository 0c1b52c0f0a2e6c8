// The service operations (api/services.cc) through the Router: CreateService,
// UpdateService, DeleteService, DescribeServices, ListServices,
// ListServicesByNamespace, and what services change elsewhere (DeleteCluster,
// DescribeClusters, tags).
#include <gtest/gtest.h>

#include <regex>

#include "service_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::ServiceApiTest;

constexpr const char* kWeb1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1";
constexpr const char* kWeb2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2";

bool is_deployment_id(const json::value& id) {
  static const std::regex pattern("ecs-svc/[1-9][0-9]{18}");
  return id.is_string() && std::regex_match(std::string(id.as_string()), pattern);
}

TEST_F(ServiceApiTest, CreateServiceAnswersTheServiceWithOnePrimaryDeployment) {
  auto service = create("web");
  EXPECT_EQ(service.at("serviceArn"), kWebArn);
  EXPECT_EQ(service.at("serviceName"), "web");
  EXPECT_EQ(service.at("clusterArn"), "arn:aws:ecs:us-east-1:123456789012:cluster/prod");
  EXPECT_EQ(service.at("status"), "ACTIVE");
  EXPECT_EQ(service.at("desiredCount"), 2);
  EXPECT_EQ(service.at("runningCount"), 0);
  EXPECT_EQ(service.at("pendingCount"), 0);
  EXPECT_EQ(service.at("launchType"), "EC2");
  EXPECT_EQ(service.at("taskDefinition"), kWeb1);
  EXPECT_EQ(service.at("schedulingStrategy"), "REPLICA");
  EXPECT_EQ(service.at("deploymentController"), (json::object{{"type", "ECS"}}));
  EXPECT_EQ(service.at("deploymentConfiguration"),
            (json::object{{"deploymentCircuitBreaker", {{"enable", false}, {"rollback", false}}},
                          {"maximumPercent", 200},
                          {"minimumHealthyPercent", 100}}));
  EXPECT_EQ(service.at("createdBy"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(service.at("events"), json::array());
  EXPECT_EQ(service.at("propagateTags"), "NONE");
  EXPECT_EQ(service.at("enableECSManagedTags"), false);
  EXPECT_FALSE(service.contains("platformVersion"));
  ASSERT_EQ(service.at("deployments").as_array().size(), 1u);
  const auto& deployment = service.at("deployments").at(0).as_object();
  EXPECT_TRUE(is_deployment_id(deployment.at("id"))) << deployment.at("id");
  EXPECT_EQ(deployment.at("status"), "PRIMARY");
  EXPECT_EQ(deployment.at("taskDefinition"), kWeb1);
  EXPECT_EQ(deployment.at("desiredCount"), 2);
  EXPECT_EQ(deployment.at("runningCount"), 0);
  EXPECT_EQ(deployment.at("pendingCount"), 0);
  EXPECT_EQ(deployment.at("failedTasks"), 0);
  EXPECT_EQ(deployment.at("launchType"), "EC2");
  EXPECT_EQ(deployment.at("rolloutState"), "IN_PROGRESS");
  EXPECT_EQ(deployment.at("rolloutStateReason"),
            json::value("ECS deployment " + std::string(deployment.at("id").as_string()) +
                        " in progress."));
  EXPECT_EQ(deployment.at("createdAt"), service.at("createdAt"));
}

TEST_F(ServiceApiTest, CreateServiceKeepsEveryMemberItIsSent) {
  json::object sent{
      {"loadBalancers",
       {{{"targetGroupArn", "arn:aws:elasticloadbalancing:tg"},
         {"containerName", "app"},
         {"containerPort", 80}}}},
      {"serviceRegistries", {{{"registryArn", "arn:aws:servicediscovery:srv"}}}},
      {"healthCheckGracePeriodSeconds", 90},
      {"role", "ecsServiceRole"},
      {"placementConstraints", {{{"type", "distinctInstance"}}}},
      {"placementStrategy", {{{"type", "spread"}, {"field", "attribute:ecs.availability-zone"}}}},
      {"propagateTags", "SERVICE"},
      {"enableECSManagedTags", true},
      {"enableExecuteCommand", true},
      {"availabilityZoneRebalancing", "DISABLED"},
      {"tags", {{{"key", "team"}, {"value", "a"}}}},
      {"deploymentConfiguration",
       {{"maximumPercent", 150},
        {"minimumHealthyPercent", 50},
        {"deploymentCircuitBreaker", {{"enable", true}, {"rollback", true}}}}},
      {"serviceConnectConfiguration", {{"enabled", true}, {"namespace", "internal"}}},
  };
  auto service = create("web", sent);
  for (const char* member :
       {"loadBalancers", "serviceRegistries", "healthCheckGracePeriodSeconds",
        "placementConstraints", "placementStrategy", "propagateTags", "enableECSManagedTags",
        "enableExecuteCommand", "availabilityZoneRebalancing", "tags", "deploymentConfiguration"}) {
    EXPECT_EQ(service.at(member), sent.at(member)) << member;
  }
  EXPECT_EQ(service.at("roleArn"), "arn:aws:iam::123456789012:role/ecsServiceRole");
  EXPECT_EQ(service.at("deployments").at(0).at("serviceConnectConfiguration"),
            sent.at("serviceConnectConfiguration"));
  // DescribeServices shows the same, tags only when asked for.
  auto described = describe("web");
  EXPECT_FALSE(described.contains("tags"));
  EXPECT_EQ(describe("web", true).at("tags"), sent.at("tags"));
  EXPECT_EQ(api.ok("ListServicesByNamespace", {{"namespace", "internal"}}).at("serviceArns"),
            json::array{kWebArn});
  EXPECT_EQ(api.ok("ListServicesByNamespace", {{"namespace", "other"}}).at("serviceArns"),
            json::array());
}

TEST_F(ServiceApiTest, AFargateServiceRunsOnTheLatestPlatformWithItsNetwork) {
  auto service = create(
      "fg",
      {{"taskDefinition", "fg"}, {"launchType", "FARGATE"}, {"networkConfiguration", awsvpc()}});
  EXPECT_EQ(service.at("platformVersion"), "LATEST");
  EXPECT_EQ(service.at("platformFamily"), "Linux");
  EXPECT_EQ(service.at("networkConfiguration"), awsvpc());
  const auto& deployment = service.at("deployments").at(0);
  EXPECT_EQ(deployment.at("platformVersion"), "1.4.0");
  EXPECT_EQ(deployment.at("launchType"), "FARGATE");
  EXPECT_EQ(deployment.at("networkConfiguration"), awsvpc());
}

TEST_F(ServiceApiTest, CreateServiceRefusesWhatECSRefuses) {
  struct Case {
    json::object body;
    const char* type;
    const char* message;
  };
  const Case cases[] = {
      {{{"taskDefinition", "nope"}, {"desiredCount", 1}},
       "ClientException",
       "TaskDefinition not found."},
      {{{"taskDefinition", "web"}}, "InvalidParameterException", "desiredCount is required"},
      {{{"taskDefinition", "web"}, {"desiredCount", 1}, {"schedulingStrategy", "DAEMON"}},
       "InvalidParameterException",
       "does not support a desired count for services. Remove"},
      {{{"taskDefinition", "fg"},
        {"schedulingStrategy", "DAEMON"},
        {"launchType", "FARGATE"},
        {"networkConfiguration", awsvpc()}},
       "InvalidParameterException",
       "DAEMON scheduling strategy is not supported"},
      {{{"taskDefinition", "fg"}, {"desiredCount", 1}, {"launchType", "FARGATE"}},
       "InvalidParameterException",
       "Network Configuration must be provided"},
      {{{"taskDefinition", "web"}, {"desiredCount", 1}, {"launchType", "FARGATE"}},
       "InvalidParameterException",
       "does not support launch_type FARGATE"},
      {{{"taskDefinition", "web"}, {"desiredCount", 1}, {"platformVersion", "1.4.0"}},
       "InvalidParameterException",
       "The platform version must be null"},
      {{{"taskDefinition", "web"}, {"desiredCount", 1}, {"networkConfiguration", awsvpc()}},
       "InvalidParameterException",
       "Network Configuration is not valid"},
      {{{"taskDefinition", "web"},
        {"desiredCount", 1},
        {"placementConstraints", {{{"type", "memberOf"}}}}},
       "InvalidParameterException",
       "requires an expression"},
      {{{"taskDefinition", "fg"},
        {"desiredCount", 1},
        {"launchType", "FARGATE"},
        {"networkConfiguration", awsvpc()},
        {"placementStrategy", {{{"type", "random"}}}}},
       "InvalidParameterException",
       "not supported for the FARGATE launch type"},
      {{{"serviceName", "no spaces"}, {"taskDefinition", "web"}, {"desiredCount", 1}},
       "InvalidParameterException",
       "Invalid service name 'no spaces'"},
      {{{"taskDefinition", "web"},
        {"desiredCount", 1},
        {"tags", {{{"key", "aws:x"}, {"value", "1"}}}}},
       "InvalidParameterException",
       "reserved"},
      {{{"taskDefinition", "web"},
        {"schedulingStrategy", "DAEMON"},
        {"deploymentController", {{"type", "EXTERNAL"}}}},
       "InvalidParameterException",
       "EXTERNAL deployment controller does not support the DAEMON scheduling strategy"},
      {{{"desiredCount", 1}, {"deploymentController", {{"type", "CODE_DEPLOY"}}}},
       "InvalidParameterException",
       "A task definition is required for a service that uses the CODE_DEPLOY deployment "
       "controller."},
      {{{"taskDefinition", "web"},
        {"desiredCount", 1},
        {"deploymentConfiguration", {{"maximumPercent", 50}, {"minimumHealthyPercent", 100}}}},
       "InvalidParameterException",
       "maximumPercent"},
  };
  for (const auto& c : cases) {
    auto error = create_error(c.body);
    EXPECT_EQ(error.type(), c.type) << json::serialize(c.body);
    EXPECT_NE(error.message().find(c.message), std::string::npos)
        << json::serialize(c.body) << " -> " << error.message();
  }
  EXPECT_EQ(listed(), json::array());
  auto missing = api.error("CreateService", {{"cluster", "nope"},
                                             {"serviceName", "web"},
                                             {"taskDefinition", "web"},
                                             {"desiredCount", 1}});
  EXPECT_EQ(missing.type(), "ClusterNotFoundException");
  EXPECT_EQ(missing.message(), "Cluster not found.");
}

TEST_F(ServiceApiTest, ADaemonServiceHasDaemonDefaults) {
  auto service = create("agent", {{"schedulingStrategy", "DAEMON"}});
  EXPECT_EQ(service.at("schedulingStrategy"), "DAEMON");
  EXPECT_EQ(service.at("desiredCount"), 0);
  EXPECT_EQ(service.at("deploymentConfiguration").at("maximumPercent"), 100);
  EXPECT_EQ(service.at("deploymentConfiguration").at("minimumHealthyPercent"), 0);
  EXPECT_EQ(listed({{"schedulingStrategy", "DAEMON"}}),
            json::array{"arn:aws:ecs:us-east-1:123456789012:service/prod/agent"});
  EXPECT_EQ(listed({{"schedulingStrategy", "REPLICA"}}), json::array());
}

TEST_F(ServiceApiTest, ARepeatedCreateIsIdempotentOnlyWhenIdentical) {
  auto first = create("web", {{"clientToken", "token-1"}});
  const int64_t revision = api.store().revision();
  auto again = create("web", {{"clientToken", "token-1"}});
  EXPECT_EQ(again.at("deployments"), first.at("deployments"));
  EXPECT_EQ(api.store().revision(), revision);  // nothing written
  auto error = create_error({{"taskDefinition", "web:1"}, {"desiredCount", 3}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), "Creation of service was not idempotent.");
}

TEST_F(ServiceApiTest, ADrainingServiceCannotBeCreatedAgain) {
  create("web", {{"desiredCount", 0}});
  api.ok("DeleteService", {{"cluster", "prod"}, {"service", "web"}});
  auto same = create_error({{"taskDefinition", "web:1"}, {"desiredCount", 0}});
  EXPECT_EQ(same.message(), "Unable to Start a service that is still Draining.");
  auto other = create_error({{"taskDefinition", "web:2"}, {"desiredCount", 1}});
  EXPECT_EQ(other.message(), "Creation of service was not idempotent.");
}

TEST_F(ServiceApiTest, ADesiredCountAloneScalesThePrimaryDeployment) {
  auto created = create("web");
  auto updated = update({{"desiredCount", 5}});
  EXPECT_EQ(updated.at("desiredCount"), 5);
  ASSERT_EQ(updated.at("deployments").as_array().size(), 1u);
  EXPECT_EQ(updated.at("deployments").at(0).at("id"), created.at("deployments").at(0).at("id"));
  EXPECT_EQ(updated.at("deployments").at(0).at("desiredCount"), 5);
  EXPECT_EQ(describe("web").at("desiredCount"), 5);
}

TEST_F(ServiceApiTest, ANewTaskDefinitionStartsANewPrimaryDeployment) {
  auto created = create("web");
  api.clock().advance(std::chrono::seconds(5));
  auto updated = update({{"taskDefinition", "web:2"}, {"desiredCount", 3}});
  EXPECT_EQ(updated.at("taskDefinition"), kWeb2);
  const auto& deployments = updated.at("deployments").as_array();
  ASSERT_EQ(deployments.size(), 2u);
  EXPECT_EQ(deployments[0].at("status"), "PRIMARY");
  EXPECT_EQ(deployments[0].at("taskDefinition"), kWeb2);
  EXPECT_EQ(deployments[0].at("desiredCount"), 3);
  EXPECT_EQ(deployments[0].at("rolloutState"), "IN_PROGRESS");
  EXPECT_TRUE(is_deployment_id(deployments[0].at("id")));
  EXPECT_EQ(deployments[1].at("status"), "ACTIVE");
  EXPECT_EQ(deployments[1].at("id"), created.at("deployments").at(0).at("id"));
  EXPECT_EQ(deployments[1].at("taskDefinition"), kWeb1);
  EXPECT_GT(deployments[1].at("updatedAt").to_number<double>(),
            created.at("deployments").at(0).at("updatedAt").to_number<double>());
}

TEST_F(ServiceApiTest, ForceNewDeploymentAndAChangedPlacementStartNewDeployments) {
  create("web");
  EXPECT_EQ(update({{"forceNewDeployment", true}}).at("deployments").as_array().size(), 2u);
  auto placed = update({{"placementStrategy", {{{"type", "binpack"}, {"field", "memory"}}}}});
  EXPECT_EQ(placed.at("deployments").as_array().size(), 3u);
  EXPECT_EQ(placed.at("placementStrategy").at(0).at("type"), "binpack");
  // The same task definition again is no new deployment.
  EXPECT_EQ(update({{"taskDefinition", "web:1"}}).at("deployments").as_array().size(), 3u);
}

TEST_F(ServiceApiTest, UpdateServiceMergesTheDeploymentConfiguration) {
  create("web");
  auto updated = update({{"deploymentConfiguration", {{"minimumHealthyPercent", 50}}}});
  EXPECT_EQ(updated.at("deploymentConfiguration").at("minimumHealthyPercent"), 50);
  EXPECT_EQ(updated.at("deploymentConfiguration").at("maximumPercent"), 200);
  EXPECT_EQ(updated.at("deployments").as_array().size(), 1u);
}

TEST_F(ServiceApiTest, UpdateServiceRefusesAMissingOrInactiveService) {
  auto missing = api.error("UpdateService", {{"cluster", "prod"}, {"service", "nope"}});
  EXPECT_EQ(missing.type(), "ServiceNotFoundException");
  EXPECT_EQ(missing.message(), "Service not found.");
  create("web", {{"desiredCount", 0}});
  api.ok("DeleteService", {{"cluster", "prod"}, {"service", "web"}});
  auto draining = api.error("UpdateService", {{"cluster", "prod"}, {"service", kWebArn}});
  EXPECT_EQ(draining.type(), "ServiceNotActiveException");
  EXPECT_EQ(draining.message(), "Service was not ACTIVE.");
}

TEST_F(ServiceApiTest, DeleteServiceRefusesAScaledServiceWithoutForce) {
  create("web");
  auto error = api.error("DeleteService", {{"cluster", "prod"}, {"service", "web"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), "The service cannot be stopped while it is scaled above 0.");
  auto deleted =
      api.ok("DeleteService", {{"cluster", "prod"}, {"service", "web"}, {"force", true}});
  EXPECT_EQ(deleted.at("service").at("status"), "DRAINING");
  EXPECT_EQ(deleted.at("service").at("desiredCount"), 0);
  EXPECT_EQ(deleted.at("service").at("deployments").at(0).at("desiredCount"), 0);
  EXPECT_EQ(describe("web").at("status"), "DRAINING");
  EXPECT_EQ(listed(), json::array());  // ECS does not list DRAINING services
  // Deleting it again answers it as it is.
  EXPECT_EQ(
      api.ok("DeleteService", {{"cluster", "prod"}, {"service", "web"}}).at("service").at("status"),
      "DRAINING");
}

TEST_F(ServiceApiTest, ServicesKeepTheirClusterFromDeletion) {
  create("web", {{"desiredCount", 0}});
  auto described = api.ok("DescribeClusters", {{"clusters", {"prod"}}}).at("clusters").at(0);
  EXPECT_EQ(described.at("activeServicesCount"), 1);
  auto error = api.error("DeleteCluster", {{"cluster", "prod"}});
  EXPECT_EQ(error.type(), "ClusterContainsServicesException");
  EXPECT_EQ(error.message(), "The Cluster cannot be deleted while Services are active.");
  api.ok("DeleteService", {{"cluster", "prod"}, {"service", "web"}});
  described = api.ok("DescribeClusters", {{"clusters", {"prod"}}}).at("clusters").at(0);
  EXPECT_EQ(described.at("activeServicesCount"), 0);
  EXPECT_EQ(api.error("DeleteCluster", {{"cluster", "prod"}}).type(),
            "ClusterContainsServicesException");  // DRAINING still counts
}

TEST_F(ServiceApiTest, DescribeServicesReportsTheMissingAndRefusesMoreThanTen) {
  create("web");
  auto answer = api.ok(
      "DescribeServices",
      {{"cluster", "prod"},
       {"services", {kWebArn, "nope", "arn:aws:ecs:us-east-1:123456789012:service/prod/gone"}}});
  EXPECT_EQ(answer.at("services").as_array().size(), 1u);
  EXPECT_EQ(answer.at("failures"),
            (json::array{{{"arn", "arn:aws:ecs:us-east-1:123456789012:service/prod/nope"},
                          {"reason", "MISSING"}},
                         {{"arn", "arn:aws:ecs:us-east-1:123456789012:service/prod/gone"},
                          {"reason", "MISSING"}}}));
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(json::string("s" + std::to_string(i)));
  auto error = api.error("DescribeServices", {{"cluster", "prod"}, {"services", eleven}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), "service names can have at most 10 items.");
  EXPECT_EQ(api.error("DescribeServices", {{"cluster", "nope"}, {"services", {"web"}}}).type(),
            "ClusterNotFoundException");
}

TEST_F(ServiceApiTest, ListServicesFiltersAndPages) {
  for (int i = 0; i < 12; ++i) create("svc" + std::to_string(100 + i));
  create("fg",
         {{"taskDefinition", "fg"}, {"launchType", "FARGATE"}, {"networkConfiguration", awsvpc()}});
  auto first = api.ok("ListServices", {{"cluster", "prod"}});
  EXPECT_EQ(first.at("serviceArns").as_array().size(), 10u);  // ECS's default page
  json::array all = first.at("serviceArns").as_array();
  auto rest = api.ok("ListServices", {{"cluster", "prod"}, {"nextToken", first.at("nextToken")}});
  for (const auto& arn : rest.at("serviceArns").as_array()) all.push_back(arn);
  EXPECT_FALSE(rest.contains("nextToken"));
  EXPECT_EQ(all.size(), 13u);
  EXPECT_EQ(listed({{"launchType", "FARGATE"}}),
            json::array{"arn:aws:ecs:us-east-1:123456789012:service/prod/fg"});
  EXPECT_EQ(listed({{"launchType", "EC2"}, {"maxResults", 100}}).size(), 12u);
  EXPECT_EQ(api.error("ListServices", {{"cluster", "prod"}, {"maxResults", 101}}).type(),
            "InvalidParameterException");
}

TEST_F(ServiceApiTest, AServiceJoinsItsClustersDefaultNamespace) {
  api.ok("UpdateCluster", {{"cluster", "prod"}, {"serviceConnectDefaults", {{"namespace", "ns"}}}});
  create("web", {{"serviceConnectConfiguration", {{"enabled", true}}}});
  create("quiet", {{"serviceConnectConfiguration", {{"enabled", false}, {"namespace", "ns"}}}});
  EXPECT_EQ(api.ok("ListServicesByNamespace", {{"namespace", "ns"}}).at("serviceArns"),
            json::array{kWebArn});
}

TEST_F(ServiceApiTest, ServicesTakeTags) {
  create("web", {{"tags", {{{"key", "team"}, {"value", "a"}}}}});
  api.ok("TagResource",
         {{"resourceArn", kWebArn}, {"tags", {{{"key", "env"}, {"value", "prod"}}}}});
  EXPECT_EQ(api.ok("ListTagsForResource", {{"resourceArn", kWebArn}}).at("tags"),
            (json::array{{{"key", "team"}, {"value", "a"}}, {{"key", "env"}, {"value", "prod"}}}));
  api.ok("UntagResource", {{"resourceArn", kWebArn}, {"tagKeys", {"team"}}});
  EXPECT_EQ(describe("web", true).at("tags"), (json::array{{{"key", "env"}, {"value", "prod"}}}));
  auto error = api.error("ListTagsForResource",
                         {{"resourceArn", "arn:aws:ecs:us-east-1:123456789012:service/prod/nope"}});
  EXPECT_EQ(error.type(), "ServiceNotFoundException");
}

}  // namespace
}  // namespace gantry::api
