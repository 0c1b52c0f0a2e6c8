// One API front, several services: the X-Amz-Target prefix chooses the
// service, whose signing name the SigV4 scope must carry, and whose own
// model and router serve the request.
#include <gtest/gtest.h>

#include "api/api_server.h"
#include "api/handlers.h"
#include "api_test_support.h"
#include "auth/sigv4.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

// A second JSON-protocol service, as small as botocore's layout allows.
constexpr std::string_view kLogsModel = R"({
  "metadata": {"targetPrefix": "Logs_20140328", "signingName": "logs", "protocol": "json"},
  "operations": {"CreateLogGroup": {"input": {"shape": "CreateLogGroupRequest"}},
                 "DeleteLogGroup": {"input": {"shape": "CreateLogGroupRequest"}}},
  "shapes": {"CreateLogGroupRequest": {"type": "structure", "required": ["logGroupName"],
                                       "members": {"logGroupName": {"shape": "Name"}}},
             "Name": {"type": "string", "min": 1}}})";

class ApiServicesTest : public ::testing::Test {
 protected:
  ApiServicesTest()
      : random_(core::make_seeded_random(11)),
        credentials_(
            auth::Credentials::load_or_create(test_support::temp_credentials_path(), *random_)),
        logs_schema_(model::Schema::parse(kLogsModel)),
        server_(ecs_router_, credentials_, clock_, *random_, "123456789012") {
    register_all_handlers(ecs_router_, handlers_.services(*random_, ""));
    logs_router_.add("CreateLogGroup", [](RequestContext& context, Reply reply) {
      reply(json::object{{"created", context.body.at("logGroupName")}});
    });
    server_.add_service(service_of(*logs_schema_, logs_router_));
  }

  net::HttpResponse call(std::string target, std::string service, std::string body) {
    auth::HttpRequestView view{"POST",
                               "/",
                               {{"Host", "127.0.0.1:8246"},
                                {"Content-Type", "application/x-amz-json-1.1"},
                                {"X-Amz-Target", target}},
                               body};
    auto [key_id, secret] = credentials_.first_key();
    auth::sign_sigv4(view, auth::SigningKey{key_id, secret}, "us-east-1", service, clock_.now());
    net::HttpRequest request{http::verb::post, "/", 11};
    for (auto& [name, value] : view.headers) request.set(name, value);
    request.body() = body;
    return test_support::answer_of(server_, std::move(request));
  }

  static json::object body_of(const net::HttpResponse& response) {
    return json::parse(response.body()).as_object();
  }

  core::FakeClock clock_;
  std::unique_ptr<core::Random> random_;
  auth::Credentials credentials_;
  test_support::HandlerState handlers_;
  std::unique_ptr<model::Schema> logs_schema_;
  Router ecs_router_;
  Router logs_router_;
  ApiServer server_;
};

TEST_F(ApiServicesTest, AServiceIsTakenFromItsModelsMetadata) {
  Service logs = service_of(*logs_schema_, logs_router_);
  EXPECT_EQ(logs.target_prefix, "Logs_20140328.");
  EXPECT_EQ(logs.signing_name, "logs");
  Service ecs = ecs_service(ecs_router_);
  EXPECT_EQ(ecs.target_prefix, kTargetPrefix);
  EXPECT_EQ(ecs.signing_name, "ecs");
}

TEST_F(ApiServicesTest, TheTargetChoosesTheServiceItsModelAndItsRouter) {
  auto created = call("Logs_20140328.CreateLogGroup", "logs", R"({"logGroupName":"app"})");
  ASSERT_EQ(created.result(), http::status::ok) << created.body();
  EXPECT_EQ(body_of(created).at("created"), "app");

  // Validated against the logs model, not ECS's.
  auto invalid = call("Logs_20140328.CreateLogGroup", "logs", R"({"logGroupName":""})");
  EXPECT_EQ(body_of(invalid).at("__type"), "InvalidParameterException");
  auto unbuilt = call("Logs_20140328.DeleteLogGroup", "logs", R"({"logGroupName":"app"})");
  EXPECT_EQ(body_of(unbuilt).at("message"), "gantry does not implement DeleteLogGroup yet.");

  auto clusters = call(std::string(kTargetPrefix) + "ListClusters", "ecs", "{}");
  ASSERT_EQ(clusters.result(), http::status::ok) << clusters.body();
  EXPECT_TRUE(body_of(clusters).contains("clusterArns"));
}

TEST_F(ApiServicesTest, TheScopeMustNameTheTargetsService) {
  auto response = call(std::string(kTargetPrefix) + "ListClusters", "logs", "{}");
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_EQ(body_of(response).at("__type"), "InvalidSignatureException");
  EXPECT_EQ(body_of(response).at("message"),
            "Credential should be scoped to correct service: 'ecs'.");
  auto logs = call("Logs_20140328.CreateLogGroup", "ecs", R"({"logGroupName":"app"})");
  EXPECT_EQ(body_of(logs).at("message"), "Credential should be scoped to correct service: 'logs'.");
}

TEST_F(ApiServicesTest, AnUnknownTargetNamesEveryService) {
  auto response = call("Bogus_1.Thing", "ecs", "{}");
  EXPECT_EQ(body_of(response).at("__type"), "UnknownOperationException");
  EXPECT_EQ(body_of(response).at("message"),
            "Unknown target 'Bogus_1.Thing': expected "
            "AmazonEC2ContainerServiceV20141113.<Operation> or Logs_20140328.<Operation>.");
}

TEST_F(ApiServicesTest, EachServiceHasItsOwnBodyLimit) {
  // ECS keeps 1 MiB; the registered logs service (default limit) too.
  std::string big = R"({"logGroupName":")" + std::string((1 << 20) + 10, 'x') + R"("})";
  auto refused = call("Logs_20140328.CreateLogGroup", "logs", big);
  EXPECT_EQ(refused.result(), http::status::payload_too_large);
  EXPECT_EQ(body_of(refused).at("__type"), "RequestEntityTooLargeException");

  Router roomy_router;
  roomy_router.add("CreateLogGroup", [](RequestContext&, Reply reply) { reply(json::object{}); });
  ApiServer roomy({service_of(*logs_schema_, roomy_router, 4 << 20)}, credentials_, clock_,
                  *random_, "123456789012");
  auth::HttpRequestView view{"POST",
                             "/",
                             {{"Host", "127.0.0.1:8246"},
                              {"Content-Type", "application/x-amz-json-1.1"},
                              {"X-Amz-Target", "Logs_20140328.CreateLogGroup"}},
                             big};
  auto [key_id, secret] = credentials_.first_key();
  auth::sign_sigv4(view, auth::SigningKey{key_id, secret}, "us-east-1", "logs", clock_.now());
  net::HttpRequest request{http::verb::post, "/", 11};
  for (auto& [name, value] : view.headers) request.set(name, value);
  request.body() = big;
  EXPECT_EQ(test_support::answer_of(roomy, std::move(request)).result(), http::status::ok);
}

TEST(CompiledLogsModelTest, IsCloudWatchLogsAndKnowsItsOperations) {
  const model::Schema& logs = model::Schema::logs();
  EXPECT_EQ(logs.target_prefix(), "Logs_20140328");
  EXPECT_EQ(logs.signing_name(), "logs");
  for (const char* operation : {"PutLogEvents", "GetLogEvents", "FilterLogEvents",
                                "DescribeLogStreams", "PutRetentionPolicy", "TagResource"}) {
    EXPECT_TRUE(logs.has_operation(operation)) << operation;
  }
  json::object empty{{"logGroupName", "g"}, {"logStreamName", "s"}, {"logEvents", json::array{}}};
  EXPECT_THROW(logs.validate_request("PutLogEvents", empty), core::ApiError);
  json::object one = empty;
  one["logEvents"] = json::array{json::object{{"timestamp", 1}, {"message", "m"}}};
  logs.validate_request("PutLogEvents", one);
}

TEST_F(ApiServicesTest, AServiceIsRegisteredOnce) {
  EXPECT_THROW(server_.add_service(service_of(*logs_schema_, logs_router_)), std::logic_error);
}

}  // namespace
}  // namespace gantry::api
