#include "agent/task_status.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace gantry::agent {
namespace {

namespace json = boost::json;

TaskStatus full_status() {
  TaskStatus s;
  s.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/prod/abc";
  s.last_status = "STOPPED";
  s.health_status = "UNHEALTHY";
  s.stopped_reason = "Essential container in task exited";
  s.stopped_by_request = true;
  s.pull_started_at = 1700000000.125;
  s.pull_stopped_at = 1700000001.5;
  s.execution_stopped_at = 1700000100.0;
  s.started_at = 1700000002.75;
  ContainerStatus app;
  app.name = "app";
  app.runtime_id = "rt-app";
  app.last_status = "STOPPED";
  app.exit_code = 137;
  app.reason = "OutOfMemoryError: Container killed due to memory usage";
  app.health_status = "UNHEALTHY";
  app.handle =
      ContainerHandle{"rt-app", json::object{{"pid", 4242}, {"cgroup", "/gantry/abc/app"}}, {}};
  app.network_bindings = {{"0.0.0.0", 80, 80, "tcp"}, {"0.0.0.0", 53, 53, "udp"}};
  ContainerStatus sidecar;
  sidecar.name = "sidecar";  // PENDING, no handle, no exit code
  s.containers = {app, sidecar};
  return s;
}

void expect_same(const TaskStatus& a, const TaskStatus& b) {
  EXPECT_EQ(a.task_arn, b.task_arn);
  EXPECT_EQ(a.last_status, b.last_status);
  EXPECT_EQ(a.health_status, b.health_status);
  EXPECT_EQ(a.stopped_reason, b.stopped_reason);
  EXPECT_EQ(a.stopped_by_request, b.stopped_by_request);
  EXPECT_EQ(a.pull_started_at, b.pull_started_at);
  EXPECT_EQ(a.pull_stopped_at, b.pull_stopped_at);
  EXPECT_EQ(a.execution_stopped_at, b.execution_stopped_at);
  EXPECT_EQ(a.started_at, b.started_at);
  ASSERT_EQ(a.containers.size(), b.containers.size());
  for (std::size_t i = 0; i < a.containers.size(); ++i) {
    const auto& x = a.containers[i];
    const auto& y = b.containers[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.runtime_id, y.runtime_id);
    EXPECT_EQ(x.last_status, y.last_status);
    EXPECT_EQ(x.exit_code, y.exit_code);
    EXPECT_EQ(x.reason, y.reason);
    EXPECT_EQ(x.health_status, y.health_status);
    ASSERT_EQ(x.network_bindings.size(), y.network_bindings.size());
    for (std::size_t j = 0; j < x.network_bindings.size(); ++j) {
      EXPECT_EQ(x.network_bindings[j].container_port, y.network_bindings[j].container_port);
      EXPECT_EQ(x.network_bindings[j].host_port, y.network_bindings[j].host_port);
      EXPECT_EQ(x.network_bindings[j].protocol, y.network_bindings[j].protocol);
    }
    ASSERT_EQ(x.handle.has_value(), y.handle.has_value());
    if (x.handle) {
      EXPECT_EQ(x.handle->runtime_id, y.handle->runtime_id);
      EXPECT_EQ(x.handle->state, y.handle->state);
    }
  }
}

TEST(TaskStatusJson, RoundTripsEveryField) {
  const auto original = full_status();
  expect_same(task_status_from_json(to_json(original)), original);
}

TEST(TaskStatusJson, RoundTripsThroughText) {
  const auto original = full_status();
  const auto text = json::serialize(to_json(original));
  expect_same(task_status_from_json(json::parse(text).as_object()), original);
}

TEST(TaskStatusJson, WritesEcsMemberNames) {
  const auto o = to_json(full_status());
  EXPECT_EQ(o.at("taskArn"), "arn:aws:ecs:us-east-1:123456789012:task/prod/abc");
  EXPECT_EQ(o.at("stoppedReason"), "Essential container in task exited");
  const auto& app = o.at("containers").at(0).as_object();
  EXPECT_EQ(app.at("exitCode"), 137);
  EXPECT_EQ(app.at("handle").at("state").at("pid"), 4242);
  const auto& sidecar = o.at("containers").at(1).as_object();
  EXPECT_FALSE(sidecar.contains("exitCode"));
  EXPECT_FALSE(sidecar.contains("handle"));
}

TEST(TaskStatusJson, DefaultsWhatIsAbsent) {
  const auto s = task_status_from_json(json::parse(R"({"taskArn": "t",
    "containers": [{"name": "c"}]})")
                                           .as_object());
  EXPECT_EQ(s.last_status, "PENDING");
  EXPECT_EQ(s.health_status, "UNKNOWN");
  EXPECT_FALSE(s.stopped_by_request);
  EXPECT_FALSE(s.started_at);
  ASSERT_EQ(s.containers.size(), 1u);
  EXPECT_EQ(s.containers[0].last_status, "PENDING");
  EXPECT_FALSE(s.containers[0].exit_code);
  EXPECT_FALSE(s.containers[0].handle);
}

TEST(TaskStatusJson, RefusesMalformedInput) {
  const auto refuses = [](const char* text) {
    EXPECT_THROW(task_status_from_json(json::parse(text).as_object()), std::runtime_error) << text;
  };
  refuses(R"({})");
  refuses(R"({"taskArn": 5})");
  refuses(R"({"taskArn": "t", "lastStatus": "DANCING"})");
  refuses(R"({"taskArn": "t", "healthStatus": "FINE"})");
  refuses(R"({"taskArn": "t", "startedAt": "yesterday"})");
  refuses(R"({"taskArn": "t", "stoppedByRequest": "yes"})");
  refuses(R"({"taskArn": "t", "containers": {}})");
  refuses(R"({"taskArn": "t", "containers": [5]})");
  refuses(R"({"taskArn": "t", "containers": [{"lastStatus": "RUNNING"}]})");
  refuses(R"({"taskArn": "t", "containers": [{"name": "c", "exitCode": 1.5}]})");
  refuses(R"({"taskArn": "t", "containers": [{"name": "c", "exitCode": 99999999999}]})");
  refuses(R"({"taskArn": "t", "containers": [{"name": "c", "handle": {"state": {}}}]})");
  refuses(
      R"({"taskArn": "t", "containers": [{"name": "c", "handle": {"runtimeId": "r", "state": 1}}]})");
}

TaskSpec health_spec() {
  TaskSpec spec;
  ContainerSpec checked_a{.name = "a", .health_check = HealthCheckSpec{.command = {"CMD", "true"}}};
  ContainerSpec checked_b{.name = "b", .health_check = HealthCheckSpec{.command = {"CMD", "true"}}};
  ContainerSpec unchecked{.name = "c"};
  ContainerSpec side{.name = "side",
                     .essential = false,
                     .health_check = HealthCheckSpec{.command = {"CMD", "true"}}};
  spec.containers = {checked_a, checked_b, unchecked, side};
  return spec;
}

std::vector<ContainerStatus> healths(const char* a, const char* b, const char* c,
                                     const char* side) {
  return {ContainerStatus{.name = "a", .health_status = a},
          ContainerStatus{.name = "b", .health_status = b},
          ContainerStatus{.name = "c", .health_status = c},
          ContainerStatus{.name = "side", .health_status = side}};
}

TEST(TaskStatusHealth, FollowsEssentialContainersWithChecks) {
  const auto spec = health_spec();
  EXPECT_EQ(task_health_status(spec, healths("HEALTHY", "HEALTHY", "UNKNOWN", "UNKNOWN")),
            "HEALTHY");
  EXPECT_EQ(task_health_status(spec, healths("HEALTHY", "UNKNOWN", "UNKNOWN", "HEALTHY")),
            "UNKNOWN");
  EXPECT_EQ(task_health_status(spec, healths("HEALTHY", "UNHEALTHY", "UNKNOWN", "HEALTHY")),
            "UNHEALTHY");
  EXPECT_EQ(task_health_status(spec, healths("UNKNOWN", "UNHEALTHY", "UNKNOWN", "HEALTHY")),
            "UNHEALTHY");
  // A non-essential container does not count, healthy or not.
  EXPECT_EQ(task_health_status(spec, healths("HEALTHY", "HEALTHY", "UNKNOWN", "UNHEALTHY")),
            "HEALTHY");
}

TEST(TaskStatusHealth, UnknownWhenNoEssentialContainerHasACheck) {
  TaskSpec spec;
  spec.containers = {ContainerSpec{.name = "a"},
                     ContainerSpec{.name = "side",
                                   .essential = false,
                                   .health_check = HealthCheckSpec{.command = {"CMD", "true"}}}};
  EXPECT_EQ(task_health_status(spec, {ContainerStatus{.name = "a", .health_status = "HEALTHY"},
                                      ContainerStatus{.name = "side", .health_status = "HEALTHY"}}),
            "UNKNOWN");
}

}  // namespace
}  // namespace gantry::agent
