#include "agent/metadata/metadata_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "net/http_client.h"

namespace gantry::agent::metadata {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr const char* kTaskId = "0123456789abcdef0123456789abcdef";

TaskView sample_task() {
  TaskView v;
  v.cluster = "prod";
  v.desired_status = "RUNNING";
  v.spec.task_arn = std::string("arn:aws:ecs:us-east-1:123456789012:task/prod/") + kTaskId;
  v.spec.task_id = kTaskId;
  v.spec.family = "web";
  v.spec.revision = 3;
  for (const char* name : {"my-app", "sidecar", "never"}) {
    ContainerSpec c;
    c.name = name;
    c.image = "busybox";
    v.spec.containers.push_back(c);
  }
  v.status.task_arn = v.spec.task_arn;
  v.status.last_status = "RUNNING";
  ContainerStatus app;
  app.name = "my-app";
  app.runtime_id = "id-app";
  app.last_status = "RUNNING";
  app.handle = ContainerHandle{"id-app", {}, {}};
  ContainerStatus sidecar;
  sidecar.name = "sidecar";
  sidecar.runtime_id = "id-sidecar";
  sidecar.last_status = "RUNNING";
  sidecar.handle = ContainerHandle{"id-sidecar", {}, {}};
  ContainerStatus never;
  never.name = "never";  // not created yet: no DockerId
  v.status.containers = {app, sidecar, never};
  return v;
}

FindTask find_sample() {
  return [](const std::string& id) -> std::optional<TaskView> {
    if (id == kTaskId) return sample_task();
    return std::nullopt;
  };
}

// Stats of id-app only; the sidecar's cannot be told.
std::optional<json::object> fake_stats(const ContainerHandle& handle) {
  if (handle.runtime_id == "id-app") {
    return json::object{{"read", "2024-01-01T00:00:00Z"},
                        {"memory_stats", json::object{{"usage", 1024}}}};
  }
  return std::nullopt;
}

net::HttpResponse fetch(uint16_t port, const std::string& target,
                        http::verb verb = http::verb::get, const std::string& host = "127.0.0.1") {
  net::HttpClient client(host, std::to_string(port), std::chrono::seconds(2));
  return client.send(net::HttpRequest{verb, target, 11});
}

json::value fetch_json(uint16_t port, const std::string& target) {
  auto response = fetch(port, target);
  EXPECT_EQ(response.result(), http::status::ok) << target << ": " << response.body();
  EXPECT_EQ(response[http::field::content_type], "application/json");
  return json::parse(response.body());
}

TEST(MetadataServerTest, EndpointPathJoinsTaskIdAndContainer) {
  EXPECT_EQ(endpoint_path(kTaskId, "my-app"), std::string("/v4/") + kTaskId + "-my-app");
}

TEST(MetadataServerTest, ServesContainerAndTaskMetadata) {
  MetadataServer server({"127.0.0.1"}, 0, find_sample(), fake_stats);
  ASSERT_NE(server.port(), 0);
  const auto base = endpoint_path(kTaskId, "my-app");

  const auto container = fetch_json(server.port(), base);
  EXPECT_EQ(container.at("Name"), "my-app");  // a '-' in the name survives the split
  EXPECT_EQ(container.at("DockerId"), "id-app");

  const auto task = fetch_json(server.port(), base + "/task");
  EXPECT_EQ(task.at("TaskARN").as_string(), sample_task().spec.task_arn);
  EXPECT_EQ(task.at("Revision"), "3");
  EXPECT_EQ(task.at("Containers").as_array().size(), 3u);

  // A trailing slash and a query are tolerated.
  EXPECT_EQ(fetch_json(server.port(), base + "/task/?x=1").at("Family"), "web");
}

TEST(MetadataServerTest, ServesContainerStatsAsDriverGivesThem) {
  MetadataServer server({"127.0.0.1"}, 0, find_sample(), fake_stats);
  const auto stats = fetch_json(server.port(), endpoint_path(kTaskId, "my-app") + "/stats");
  EXPECT_EQ(stats, *fake_stats(ContainerHandle{"id-app", {}, {}}));
  // Unknown to the driver, or never started: an empty object.
  EXPECT_EQ(fetch_json(server.port(), endpoint_path(kTaskId, "sidecar") + "/stats"),
            json::object());
  EXPECT_EQ(fetch_json(server.port(), endpoint_path(kTaskId, "never") + "/stats"),
            json::object());
}

TEST(MetadataServerTest, ServesTaskStatsByDockerId) {
  MetadataServer server({"127.0.0.1"}, 0, find_sample(), fake_stats);
  const auto stats = fetch_json(server.port(), endpoint_path(kTaskId, "sidecar") + "/task/stats");
  EXPECT_EQ(stats, (json::object{{"id-app", *fake_stats(ContainerHandle{"id-app", {}, {}})},
                                 {"id-sidecar", nullptr}}));
}

TEST(MetadataServerTest, TaskStatsSamplesContainersAtOnce) {
  // Each sample waits until both are in flight: sampled one after the other,
  // the first would give up waiting (after a bound) having seen only itself.
  std::mutex mutex;
  std::condition_variable changed;
  int in_flight = 0;
  int calls = 0;
  int saw_both = 0;
  auto rendezvous = [&](const ContainerHandle& handle) -> std::optional<json::object> {
    {
      std::unique_lock lock(mutex);
      ++calls;
      ++in_flight;
      changed.notify_all();
      if (changed.wait_for(lock, std::chrono::seconds(1), [&] { return in_flight == 2; })) {
        ++saw_both;
      }
    }
    if (handle.runtime_id == "id-sidecar") throw std::runtime_error("docker went away");
    return json::object{{"id", handle.runtime_id}};
  };
  MetadataServer server({"127.0.0.1"}, 0, find_sample(), rendezvous);
  const auto stats = fetch_json(server.port(), endpoint_path(kTaskId, "my-app") + "/task/stats");
  std::lock_guard lock(mutex);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(saw_both, 2) << "the containers were sampled one after the other";
  EXPECT_EQ(stats, (json::object{{"id-app", json::object{{"id", "id-app"}}},
                                 {"id-sidecar", nullptr}}));  // a throwing sample is null
}

TEST(MetadataServerTest, UnknownTokensAreNotFound) {
  MetadataServer server({"127.0.0.1"}, 0, find_sample(), fake_stats);
  const auto other_task = std::string("/v4/ffffffffffffffffffffffffffffffff-my-app");
  for (const std::string& target :
       {other_task, other_task + "/task", endpoint_path(kTaskId, "ghost"),
        endpoint_path(kTaskId, "my-app") + "/bogus", std::string("/v4/") + kTaskId,
        std::string("/v3/") + kTaskId + "-my-app", std::string("/")}) {
    const auto response = fetch(server.port(), target);
    EXPECT_EQ(response.result(), http::status::not_found) << target;
    EXPECT_TRUE(json::parse(response.body()).is_string()) << response.body();
  }
}

TEST(MetadataServerTest, OtherMethodsAreNotAllowed) {
  MetadataServer server({"127.0.0.1"}, 0, find_sample(), fake_stats);
  const auto response = fetch(server.port(), endpoint_path(kTaskId, "my-app"), http::verb::post);
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  EXPECT_EQ(response[http::field::allow], "GET");
}

TEST(MetadataServerTest, FailingLookupIsServerError) {
  auto broken = [](const std::string&) -> std::optional<TaskView> {
    throw std::runtime_error("agent stopping");
  };
  MetadataServer server({"127.0.0.1"}, 0, broken, fake_stats);
  EXPECT_EQ(fetch(server.port(), endpoint_path(kTaskId, "my-app")).result(),
            http::status::internal_server_error);
}

TEST(MetadataServerTest, AllAddressesShareOnePortAndBadOnesAreSkipped) {
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: it cannot be bound.
  MetadataServer server({"127.0.0.1", "192.0.2.1", "127.0.0.2"}, 0, find_sample(), fake_stats);
  EXPECT_EQ(server.addresses(), (std::vector<std::string>{"127.0.0.1", "127.0.0.2"}));
  const auto response =
      fetch(server.port(), endpoint_path(kTaskId, "my-app"), http::verb::get, "127.0.0.2");
  EXPECT_EQ(response.result(), http::status::ok);
}

TEST(MetadataServerTest, FirstAddressMustBind) {
  EXPECT_THROW(MetadataServer({"192.0.2.1", "127.0.0.1"}, 0, find_sample(), fake_stats),
               std::runtime_error);
  EXPECT_THROW(MetadataServer({"not-an-address"}, 0, find_sample(), fake_stats),
               std::runtime_error);
  EXPECT_THROW(MetadataServer({}, 0, find_sample(), fake_stats), std::runtime_error);
}

TEST(MetadataServerTest, StopsWhileASampleIsInFlight) {
  // The sample is held until the server is being destroyed, so it is in
  // flight while the server stops.
  std::promise<void> sampling;
  std::promise<void> stopping;
  auto stopping_begun = stopping.get_future().share();
  std::atomic<bool> sample_done{false};
  auto held = [&](const ContainerHandle&) -> std::optional<json::object> {
    sampling.set_value();
    stopping_begun.wait_for(std::chrono::seconds(5));  // a bound, should the test fail first
    sample_done = true;
    return json::object{{"late", true}};
  };
  auto server = std::make_unique<MetadataServer>(std::vector<std::string>{"127.0.0.1"}, 0,
                                                 find_sample(), held);
  std::optional<net::HttpResponse> answer;
  std::string dropped;
  std::thread client([&, port = server->port()] {
    try {
      answer = fetch(port, endpoint_path(kTaskId, "my-app") + "/stats");
    } catch (const std::exception& e) {
      dropped = e.what();  // what a client of a stopping agent sees
    }
  });
  sampling.get_future().wait();
  stopping.set_value();
  server.reset();
  // The server waited for the sample rather than leave it running on its
  // remains.
  EXPECT_TRUE(sample_done) << "the server was gone before its sample finished";
  client.join();
  // The sample was released just before the stop, so its answer may have
  // left before the connection was dropped: either is a clean end, and the
  // client heard exactly one of them.
  EXPECT_NE(answer.has_value(), !dropped.empty()) << dropped;
  if (answer) {
    EXPECT_EQ(json::parse(answer->body()).at("late"), true);
  }
}

}  // namespace
}  // namespace gantry::agent::metadata
