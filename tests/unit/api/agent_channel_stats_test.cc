// The agent channel's stats end to end over loopback: an agent's signed
// WebSocket sends a stats message, DescribeTaskStats shows it, and the
// channel's close drops it. Health, the other agent->server message, still
// reaches the task.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <future>
#include <thread>

#include "agent/ecs_client.h"
#include "agent/host_resources.h"
#include "api/agent_channel.h"
#include "api/api_server.h"
#include "api/handlers.h"
#include "api_test_support.h"
#include "model/agent_protocol.h"

namespace gantry::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

class AgentChannelStatsTest : public ::testing::Test {
 protected:
  AgentChannelStatsTest()
      : random_(core::make_seeded_random(3)),
        credentials_(
            auth::Credentials::load_or_create(test_support::temp_credentials_path(), *random_)),
        commands_(handlers_.state, handlers_.placement, *random_, clock_, "123456789012"),
        channel_(io_, commands_, stats_, credentials_, clock_, 10s),
        api_(router_, credentials_, clock_, *random_, "123456789012") {
    Services services = handlers_.services(*random_, "");
    register_all_handlers(router_, services);
    register_task_stats_handlers(router_, services, stats_);
    server_ = std::make_unique<net::HttpServer>(
        io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [this](net::HttpRequest&& request, net::Responder respond) {
          api_.handle(std::move(request), std::move(respond));
        },
        [this](auto status, std::string reason) { return api_.reject(status, std::move(reason)); },
        net::HttpServerOptions{},
        [this](net::HttpRequest&& request, boost::beast::tcp_stream&& stream) {
          channel_.upgrade(std::move(request), std::move(stream));
        });
    thread_ = std::thread([this] { io_.run(); });
    auto [key, secret] = credentials_.first_key();
    endpoint_ =
        agent::EcsEndpoint{"http://127.0.0.1:" + std::to_string(server_->local_endpoint().port()),
                           {key, secret},
                           "us-east-1"};
    client_ = std::make_unique<agent::EcsClient>(endpoint_, clock_);
  }

  ~AgentChannelStatsTest() override {
    if (socket_) socket_->close();
    server_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  void SetUp() override {
    client_->call("CreateCluster", json::object{{"clusterName", "prod"}});
    // Registered as the agent registers, with its capabilities.
    json::object registration = agent::registration_request({4096, 8192});
    registration["cluster"] = "prod";
    instance_arn_ = std::string(client_->call("RegisterContainerInstance", registration)
                                    .at("containerInstance")
                                    .at("containerInstanceArn")
                                    .as_string());
    client_->call("RegisterTaskDefinition", json::parse(R"({"family":"web","containerDefinitions":[
                      {"name":"app","image":"busybox","memory":64,
                       "healthCheck":{"command":["CMD","true"]}}]})")
                                                .as_object());
    auto run =
        client_->call("RunTask", json::object{{"cluster", "prod"}, {"taskDefinition", "web"}});
    ASSERT_EQ(run.at("tasks").as_array().size(), 1u) << json::serialize(run);
    task_arn_ = std::string(run.at("tasks").at(0).at("taskArn").as_string());
  }

  // Opens the channel as the agent does.
  void connect() {
    std::string target =
        std::string(model::kAgentChannelPath) + "?cluster=prod&containerInstance=" + instance_arn_;
    std::promise<std::shared_ptr<net::WebSocket>> opened;
    net::WebSocket::connect(
        io_.get_executor(), client_->host(), client_->port(), target,
        client_->signed_upgrade_headers(target),
        [&](std::string error, std::shared_ptr<net::WebSocket> socket) {
          EXPECT_TRUE(socket) << error;
          opened.set_value(socket);
        },
        10s);
    socket_ = opened.get_future().get();
    ASSERT_TRUE(socket_);
    socket_->start([](std::string) {}, [](std::string) {});
  }

  // What DescribeContainerInstances says of the agent's connection.
  bool agent_connected() {
    return client_
        ->call("DescribeContainerInstances",
               json::object{{"cluster", "prod"}, {"containerInstances", json::array{instance_arn_}}})
        .at("containerInstances")
        .at(0)
        .at("agentConnected")
        .as_bool();
  }

  json::array described() {
    return client_->call("DescribeTaskStats", json::object{{"cluster", "prod"}})
        .at("taskStats")
        .as_array();
  }

  bool eventually(const std::function<bool()>& done) {
    for (auto deadline = std::chrono::steady_clock::now() + 1500ms;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(5ms)) {
      if (done()) return true;
    }
    return done();
  }

  core::SystemClock clock_;
  std::unique_ptr<core::Random> random_;
  auth::Credentials credentials_;
  test_support::HandlerState handlers_;
  state::TaskStats stats_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  ecs::CommandRunner commands_;
  AgentChannel channel_;
  Router router_;
  ApiServer api_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  agent::EcsEndpoint endpoint_;
  std::unique_ptr<agent::EcsClient> client_;
  std::shared_ptr<net::WebSocket> socket_;
  std::string instance_arn_;
  std::string task_arn_;
};

TEST_F(AgentChannelStatsTest, StatsGoToTheStoreAndLeaveWithTheChannel) {
  EXPECT_FALSE(agent_connected());
  connect();
  EXPECT_TRUE(eventually([&] { return agent_connected(); }));
  EXPECT_TRUE(described().empty());
  model::StatsReport report;
  report.sampled_at = core::to_epoch_seconds(clock_.now());
  report.tasks.push_back({task_arn_, {{"app", "rt-app", 42.5, 1 << 20, 64 << 20}}});
  socket_->send(json::serialize(model::stats_message(report)));

  ASSERT_TRUE(eventually([&] { return described().size() == 1; }));
  json::array stats = described();
  EXPECT_EQ(std::string(stats.at(0).at("taskArn").as_string()), task_arn_);
  EXPECT_EQ(std::string(stats.at(0).at("containerInstanceArn").as_string()), instance_arn_);
  EXPECT_EQ(stats.at(0).at("containers").at(0).at("cpuPercent").to_number<double>(), 42.5);

  socket_->close();
  EXPECT_TRUE(eventually([&] { return described().empty(); }));
  EXPECT_TRUE(eventually([&] { return !agent_connected(); }));
}

TEST_F(AgentChannelStatsTest, HealthAndUnknownMessagesAreStillDispatched) {
  connect();
  socket_->send(R"({"type":"telemetry"})");  // ignored
  socket_->send("not json");                 // ignored
  model::HealthReport health{task_arn_, "HEALTHY", {{"app", "HEALTHY"}}};
  socket_->send(json::serialize(model::health_message(health)));
  auto health_of_task = [&] {
    auto tasks = client_->call(
        "DescribeTasks",
        json::object{{"cluster", "prod"}, {"tasks", json::array{json::string(task_arn_)}}});
    const auto* container =
        tasks.at("tasks").at(0).at("containers").at(0).as_object().if_contains("healthStatus");
    return container && container->as_string() == "HEALTHY";
  };
  EXPECT_TRUE(eventually(health_of_task));
}

}  // namespace
}  // namespace gantry::api
