// DescribeTaskStats end to end in-process: SigV4, routing as a gantry
// extension (not validated against botocore's model), and what it shows of
// the stats the agents reported.
#include <gtest/gtest.h>

#include <future>

#include "api/api_server.h"
#include "api/handlers.h"
#include "api_test_support.h"
#include "auth/sigv4.h"

namespace gantry::api {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

class TaskStatsApiTest : public ::testing::Test {
 protected:
  TaskStatsApiTest()
      : random_(core::make_seeded_random(11)),
        credentials_(
            auth::Credentials::load_or_create(test_support::temp_credentials_path(), *random_)),
        server_(router_, credentials_, clock_, *random_, "123456789012") {
    Services services = handlers_.services(*random_, "http://127.0.0.1:8246");
    register_all_handlers(router_, services);
    register_task_stats_handlers(router_, services, stats_);
  }

  net::HttpRequest request(const std::string &operation, const std::string &body) {
    return test_support::signed_request(credentials_, clock_, operation, body, "us-east-1");
  }

  net::HttpResponse send(net::HttpRequest r) {
    return test_support::answer_of(server_, std::move(r));
  }

  json::object call(const std::string &operation, const std::string &body) {
    auto response = send(request(operation, body));
    EXPECT_EQ(response.result(), http::status::ok) << operation << ": " << response.body();
    return json::parse(response.body()).as_object();
  }

  std::string error_type(const std::string &operation, const std::string &body) {
    auto response = send(request(operation, body));
    EXPECT_NE(response.result(), http::status::ok) << response.body();
    return std::string(json::parse(response.body()).at("__type").as_string());
  }

  // A cluster with one instance and two running tasks on it.
  void SetUp() override {
    call("CreateCluster", R"({"clusterName":"prod"})");
    instance_arn_ = std::string(call("RegisterContainerInstance",
                                     R"({"cluster":"prod","totalResources":[
                  {"name":"CPU","type":"INTEGER","integerValue":4096},
                  {"name":"MEMORY","type":"INTEGER","integerValue":8192}]})")
                                    .at("containerInstance")
                                    .at("containerInstanceArn")
                                    .as_string());
    call(
        "RegisterTaskDefinition",
        R"({"family":"web","containerDefinitions":[{"name":"app","image":"busybox","memory":64}]})");
    auto run = call("RunTask", R"({"cluster":"prod","taskDefinition":"web","count":2})");
    for (const auto &task : run.at("tasks").as_array()) {
      task_arns_.emplace_back(task.at("taskArn").as_string());
    }
    ASSERT_EQ(task_arns_.size(), 2u);
  }

  void report(const std::vector<std::string> &task_arns, double cpu = 12.5,
              const std::string &instance = "") {
    model::StatsReport r;
    r.sampled_at = 1700000000;
    for (const auto &arn : task_arns)
      r.tasks.push_back({arn, {{"app", "rt-1", cpu, 1 << 20, 64 << 20}}});
    stats_.record(instance.empty() ? instance_arn_ : instance, r, clock_.now());
  }

  static std::string text(const json::value &v) { return std::string(v.as_string()); }
  static std::string id_of(const std::string &arn) { return arn.substr(arn.rfind('/') + 1); }

  core::FakeClock clock_;
  std::unique_ptr<core::Random> random_;
  auth::Credentials credentials_;
  test_support::HandlerState handlers_;
  state::TaskStats stats_{5s};
  Router router_;
  ApiServer server_;
  std::string instance_arn_;
  std::vector<std::string> task_arns_;
};

TEST_F(TaskStatsApiTest, DescribesTheReportedStatsOfTheClustersTasks) {
  report({task_arns_[0]});
  auto answer = call("DescribeTaskStats", R"({"cluster":"prod"})");
  const json::array &stats = answer.at("taskStats").as_array();
  ASSERT_EQ(stats.size(), 1u);
  const json::object &task = stats[0].as_object();
  EXPECT_EQ(text(task.at("taskArn")), task_arns_[0]);
  EXPECT_EQ(text(task.at("containerInstanceArn")), instance_arn_);
  EXPECT_EQ(task.at("sampledAt").to_number<double>(), 1700000000.0);
  const json::object &container = task.at("containers").at(0).as_object();
  EXPECT_EQ(container.at("name"), "app");
  EXPECT_EQ(container.at("runtimeId"), "rt-1");
  EXPECT_EQ(container.at("cpuPercent").to_number<double>(), 12.5);
  EXPECT_EQ(container.at("memoryBytes"), 1 << 20);
  EXPECT_EQ(container.at("memoryLimitBytes"), 64 << 20);
  EXPECT_TRUE(answer.at("failures").as_array().empty());
}

TEST_F(TaskStatsApiTest, NamedTasksByIdOrArnAndMissingOnes) {
  report(task_arns_);
  std::string body = R"({"cluster":"prod","tasks":[")" + id_of(task_arns_[1]) + R"(","nope"]})";
  auto answer = call("DescribeTaskStats", body);
  ASSERT_EQ(answer.at("taskStats").as_array().size(), 1u);
  EXPECT_EQ(text(answer.at("taskStats").at(0).at("taskArn")), task_arns_[1]);
  ASSERT_EQ(answer.at("failures").as_array().size(), 1u);
  EXPECT_EQ(answer.at("failures").at(0).at("arn"), "nope");
  EXPECT_EQ(answer.at("failures").at(0).at("reason"), "MISSING");

  answer = call("DescribeTaskStats", R"({"cluster":"prod","tasks":[")" + task_arns_[0] + R"("]})");
  EXPECT_EQ(text(answer.at("taskStats").at(0).at("taskArn")), task_arns_[0]);
}

TEST_F(TaskStatsApiTest, ShowsOnlyCurrentStatsOfTasksStillRunningWhereReported) {
  // An ARN the cluster never ran, and a report from another instance.
  report({"arn:aws:ecs:us-east-1:123456789012:task/prod/ghost"});
  report({task_arns_[1]}, 1, "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/other");
  report({task_arns_[0]});
  auto answer = call("DescribeTaskStats", R"({"cluster":"prod"})");
  ASSERT_EQ(answer.at("taskStats").as_array().size(), 1u);
  EXPECT_EQ(text(answer.at("taskStats").at(0).at("taskArn")), task_arns_[0]);

  // A task its agent reported stopped shows no stats, even fresh ones.
  call("SubmitTaskStateChange",
       R"({"cluster":"prod","task":")" + task_arns_[0] + R"(","status":"STOPPED"})");
  report({task_arns_[0]});
  EXPECT_TRUE(
      call("DescribeTaskStats", R"({"cluster":"prod"})").at("taskStats").as_array().empty());
  report({task_arns_[1]});
  ASSERT_EQ(call("DescribeTaskStats", R"({"cluster":"prod"})").at("taskStats").as_array().size(),
            1u);

  // Stale: three intervals without a report.
  clock_.advance(16s);
  EXPECT_TRUE(
      call("DescribeTaskStats", R"({"cluster":"prod"})").at("taskStats").as_array().empty());
}

TEST_F(TaskStatsApiTest, RefusesUnknownClustersAndBadBodies) {
  EXPECT_EQ(error_type("DescribeTaskStats", R"({"cluster":"nope"})"), "ClusterNotFoundException");
  EXPECT_EQ(error_type("DescribeTaskStats", R"({})"),
            "ClusterNotFoundException");  // no default
  EXPECT_EQ(error_type("DescribeTaskStats", R"({"cluster":5})"), "SerializationException");
  EXPECT_EQ(error_type("DescribeTaskStats", R"({"cluster":"prod","tasks":"x"})"),
            "SerializationException");
  EXPECT_EQ(error_type("DescribeTaskStats", R"({"cluster":"prod","tasks":[1]})"),
            "SerializationException");
  EXPECT_EQ(error_type("DescribeTaskStats", R"({"cluster":"prod","bogus":1})"),
            "InvalidParameterException");
  EXPECT_EQ(error_type("DescribeTaskStats", "[1]"), "SerializationException");
}

TEST_F(TaskStatsApiTest, RequiresSigV4) {
  auto response =
      send(test_support::signed_request(credentials_, clock_, "DescribeTaskStats",
                                        R"({"cluster":"prod"})", "us-east-1", "wrong-secret"));
  EXPECT_EQ(response.result(), http::status::forbidden);
  net::HttpRequest unsigned_request{http::verb::post, "/", 11};
  unsigned_request.set("X-Amz-Target", std::string(kTargetPrefix) + "DescribeTaskStats");
  unsigned_request.body() = "{}";
  EXPECT_EQ(send(std::move(unsigned_request)).result(), http::status::forbidden);
}

TEST(RouterTest, ExtensionsAreMarkedAndNamesAreUnique) {
  Router router;
  router.add("ListClusters", [](RequestContext &, Reply) {});
  router.add_extension("DescribeTaskStats", [](RequestContext &, Reply) {});
  ASSERT_TRUE(router.find("ListClusters"));
  EXPECT_FALSE(router.find("ListClusters")->extension);
  ASSERT_TRUE(router.find("DescribeTaskStats"));
  EXPECT_TRUE(router.find("DescribeTaskStats")->extension);
  EXPECT_FALSE(router.find("Bogus"));
  EXPECT_THROW(router.add_extension("ListClusters", [](RequestContext &, Reply) {}),
               std::logic_error);
}

}  // namespace
}  // namespace gantry::api
