// The protocol end to end in-process: SigV4, routing, validation, errors,
// and a few operations through the real handlers and the single writer.
#include "api/api_server.h"

#include <gtest/gtest.h>

#include <future>

#include "api/handlers.h"
#include "api_test_support.h"
#include "auth/sigv4.h"

namespace gantry::api {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

class ApiServerTest : public ::testing::Test {
 protected:
  ApiServerTest()
      : random_(core::make_seeded_random(7)),
        credentials_(
            auth::Credentials::load_or_create(test_support::temp_credentials_path(), *random_)),
        server_(router_, credentials_, clock_, *random_, "123456789012") {
    register_all_handlers(router_, handlers_.services(*random_, "http://127.0.0.1:8246"));
  }

  net::HttpRequest signed_request(const std::string &operation, const std::string &body,
                                  std::optional<std::string> secret = std::nullopt) {
    return test_support::signed_request(credentials_, clock_, operation, body, "eu-west-1", secret);
  }

  net::HttpResponse call(net::HttpRequest request) {
    return test_support::answer_of(server_, std::move(request));
  }

  static std::string error_type(const net::HttpResponse &response) {
    return std::string(json::parse(response.body()).at("__type").as_string());
  }

  core::FakeClock clock_;
  std::unique_ptr<core::Random> random_;
  auth::Credentials credentials_;
  test_support::HandlerState handlers_;
  Router router_;
  ApiServer server_;
};

TEST_F(ApiServerTest, CreatesAndDescribesAClusterWithArnsInTheSigningRegion) {
  auto created = call(signed_request("CreateCluster", R"({"clusterName":"prod"})"));
  ASSERT_EQ(created.result(), http::status::ok) << created.body();
  EXPECT_FALSE(created["x-amzn-RequestId"].empty());
  EXPECT_EQ(created[http::field::content_type], "application/x-amz-json-1.1");
  auto cluster = json::parse(created.body()).at("cluster");
  EXPECT_EQ(cluster.at("clusterArn"), "arn:aws:ecs:eu-west-1:123456789012:cluster/prod");

  auto described = call(signed_request("DescribeClusters", R"({"clusters":["prod","nope"]})"));
  auto body = json::parse(described.body());
  EXPECT_EQ(body.at("clusters").as_array().size(), 1u);
  EXPECT_EQ(body.at("failures").at(0).at("reason"), "MISSING");
}

TEST_F(ApiServerTest, UnsignedRequestsAreRefused) {
  net::HttpRequest request{http::verb::post, "/", 11};
  request.set("X-Amz-Target", std::string(kTargetPrefix) + "ListClusters");
  request.body() = "{}";
  auto response = call(std::move(request));
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_EQ(error_type(response), "MissingAuthenticationTokenException");
  EXPECT_FALSE(response["x-amzn-RequestId"].empty());
}

TEST_F(ApiServerTest, WronglySignedRequestsAreRefused) {
  auto response = call(signed_request("ListClusters", "{}", "not-the-secret"));
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_EQ(error_type(response), "InvalidSignatureException");
}

TEST_F(ApiServerTest, UnknownAndUnimplementedOperations) {
  EXPECT_EQ(error_type(call(signed_request("Bogus", "{}"))), "UnknownOperationException");
  // An ECS operation gantry does not serve yet.
  auto unserved = call(signed_request("GetTaskProtection", R"({"cluster":"c"})"));
  EXPECT_EQ(unserved.result(), http::status::bad_request);
  EXPECT_EQ(error_type(unserved), "UnknownOperationException");
}

TEST_F(ApiServerTest, BadBodiesGetClientErrorsAndWriteNothing) {
  EXPECT_EQ(error_type(call(signed_request("CreateCluster", "{not json"))),
            "SerializationException");
  EXPECT_EQ(error_type(call(signed_request("CreateCluster", R"({"clusterName":5})"))),
            "SerializationException");
  EXPECT_EQ(error_type(call(signed_request("CreateCluster", R"({"bogus":1})"))),
            "InvalidParameterException");
  EXPECT_EQ(
      error_type(call(signed_request("RegisterTaskDefinition", R"({"containerDefinitions":[]})"))),
      "InvalidParameterException");
  EXPECT_EQ(error_type(call(signed_request("CreateCluster", R"({"clusterName":"bad name!"})"))),
            "InvalidParameterException");
  EXPECT_EQ(handlers_.store.revision(), 0);
}

TEST_F(ApiServerTest, RegistersRevisionsInOrder) {
  const std::string body =
      R"({"family":"web","containerDefinitions":[{"name":"app","image":"busybox","memory":64}]})";
  for (int expected = 1; expected <= 3; ++expected) {
    auto response = call(signed_request("RegisterTaskDefinition", body));
    ASSERT_EQ(response.result(), http::status::ok) << response.body();
    EXPECT_EQ(json::parse(response.body()).at("taskDefinition").at("revision"), expected);
  }
  auto described = call(signed_request("DescribeTaskDefinition", R"({"taskDefinition":"web"})"));
  EXPECT_EQ(json::parse(described.body()).at("taskDefinition").at("taskDefinitionArn"),
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3");
}

TEST_F(ApiServerTest, OnlyPostToTheRootIsServed) {
  net::HttpRequest request{http::verb::get, "/", 11};
  auto response = call(std::move(request));
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(error_type(response), "UnknownOperationException");
}

}  // namespace
}  // namespace gantry::api
