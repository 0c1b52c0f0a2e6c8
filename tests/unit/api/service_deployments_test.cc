// ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions
// (api/service_deployments.cc): views of the deployments a service keeps.
#include <gtest/gtest.h>

#include "service_api_fixture.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::ServiceApiTest;

constexpr const char* kPrefix = "arn:aws:ecs:us-east-1:123456789012:";

std::string number_of(const json::value& deployment) {
  std::string id(deployment.at("id").as_string());
  return id.substr(id.find('/') + 1);
}

TEST_F(ServiceApiTest, EachDeploymentIsAServiceDeploymentAndRevision) {
  auto first =
      create("web", {{"deploymentConfiguration",
                      {{"deploymentCircuitBreaker", {{"enable", true}, {"rollback", true}}}}}});
  api.clock().advance(std::chrono::seconds(1));
  auto updated = update({{"taskDefinition", "web:2"}});
  const std::string old_number = number_of(first.at("deployments").at(0));
  const std::string new_number = number_of(updated.at("deployments").at(0));
  const json::value new_arn(std::string(kPrefix) + "service-deployment/prod/web/" + new_number);
  const json::value new_revision(std::string(kPrefix) + "service-revision/prod/web/" + new_number);
  EXPECT_EQ(updated.at("currentServiceDeployment"), new_arn);
  EXPECT_EQ(updated.at("currentServiceRevisions").as_array().size(), 2u);

  auto listed = api.ok("ListServiceDeployments", {{"cluster", "prod"}, {"service", "web"}})
                    .at("serviceDeployments")
                    .as_array();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].at("serviceDeploymentArn"), new_arn);  // newest first
  EXPECT_EQ(listed[0].at("targetServiceRevisionArn"), new_revision);
  EXPECT_EQ(listed[0].at("status"), "IN_PROGRESS");
  EXPECT_EQ(listed[1].at("status"), "STOPPED");  // superseded before it completed
  EXPECT_EQ(api.ok("ListServiceDeployments",
                   {{"cluster", "prod"}, {"service", "web"}, {"status", {"IN_PROGRESS"}}})
                .at("serviceDeployments")
                .as_array()
                .size(),
            1u);
  auto after =
      api.ok("ListServiceDeployments",
             {{"cluster", "prod"},
              {"service", "web"},
              {"createdAt", {{"after", first.at("createdAt").to_number<double>() + 0.5}}}});
  EXPECT_EQ(after.at("serviceDeployments").as_array().size(), 1u);

  auto described =
      api.ok("DescribeServiceDeployments",
             {{"serviceDeploymentArns",
               {new_arn, json::value(std::string(kPrefix) + "service-deployment/prod/web/1")}}});
  ASSERT_EQ(described.at("serviceDeployments").as_array().size(), 1u);
  const auto& deployment = described.at("serviceDeployments").at(0);
  EXPECT_EQ(deployment.at("targetServiceRevision").at("arn"), new_revision);
  EXPECT_EQ(deployment.at("targetServiceRevision").at("requestedTaskCount"), 2);
  EXPECT_EQ(deployment.at("sourceServiceRevisions").at(0).at("arn"),
            json::value(std::string(kPrefix) + "service-revision/prod/web/" + old_number));
  EXPECT_EQ(deployment.at("deploymentCircuitBreaker"),
            (json::object{{"status", "MONITORING"}, {"failureCount", 0}, {"threshold", 3}}));
  EXPECT_EQ(described.at("failures").at(0).at("reason"), "MISSING");

  auto revisions = api.ok("DescribeServiceRevisions", {{"serviceRevisionArns", {new_revision}}});
  ASSERT_EQ(revisions.at("serviceRevisions").as_array().size(), 1u);
  const auto& revision = revisions.at("serviceRevisions").at(0);
  EXPECT_EQ(revision.at("taskDefinition"),
            json::value(std::string(kPrefix) + "task-definition/web:2"));
  EXPECT_EQ(revision.at("containerImages"),
            (json::array{{{"containerName", "app"}, {"image", "busybox"}}}));
  EXPECT_EQ(revision.at("launchType"), "EC2");
}

TEST_F(ServiceApiTest, ListServiceDeploymentsRefusesAnUnknownService) {
  auto error = api.error("ListServiceDeployments", {{"cluster", "prod"}, {"service", "nope"}});
  EXPECT_EQ(error.type(), "ServiceNotFoundException");
}

}  // namespace
}  // namespace gantry::api
