// ECS's events from the log's changes: which changes make one, and the
// envelope and detail they carry.
#include "ecs/ecs_events.h"

#include <gtest/gtest.h>

namespace gantry::ecs {
namespace {

namespace json = boost::json;

constexpr std::string_view kTaskArn = "arn:aws:ecs:eu-west-1:111122223333:task/web/0123abcd";
constexpr std::string_view kInstanceArn =
    "arn:aws:ecs:eu-west-1:111122223333:container-instance/web/9f8e";
const core::SystemTime kCommitted{std::chrono::milliseconds(1764759600250)};

std::shared_ptr<const state::Record> task(std::string_view status, int64_t version) {
  json::object doc{{"taskArn", kTaskArn}, {"lastStatus", status},      {"desiredStatus", "RUNNING"},
                   {"version", version},  {"createdAt", 1764759000.5}, {"tags", json::array{}}};
  return std::make_shared<const state::Record>(state::TaskRecord("web", doc, {}, "", "9f8e"));
}

std::shared_ptr<const state::Record> instance(bool connected, int64_t version) {
  state::ContainerInstanceRecord record{"web", json::object{{"containerInstanceArn", kInstanceArn},
                                                            {"status", "ACTIVE"},
                                                            {"agentConnected", connected},
                                                            {"version", version}}};
  return std::make_shared<const state::Record>(std::move(record));
}

state::LoggedChange change(std::shared_ptr<const state::Record> before,
                           std::shared_ptr<const state::Record> after, int64_t revision = 7) {
  return {revision, "tasks/web/0123abcd", std::move(before), std::move(after), kCommitted};
}

TEST(EcsEventsTest, ATaskWhoseVersionRoseIsATaskStateChange) {
  auto events = ecs_events(change(task("PENDING", 2), task("RUNNING", 3)));
  ASSERT_EQ(events.size(), 1u);
  const json::object& event = events[0];
  EXPECT_EQ(event.at("detail-type"), "ECS Task State Change");
  EXPECT_EQ(event.at("source"), "aws.ecs");
  EXPECT_EQ(event.at("version"), "0");
  EXPECT_EQ(event.at("account"), "111122223333");
  EXPECT_EQ(event.at("region"), "eu-west-1");
  EXPECT_EQ(event.at("resources"), (json::array{json::string(kTaskArn)}));
  EXPECT_EQ(event.at("time"), "2025-12-03T11:00:00.250Z");
  EXPECT_EQ(event.at("revision"), 7);
  const json::object& detail = event.at("detail").as_object();
  EXPECT_EQ(detail.at("lastStatus"), "RUNNING");
  EXPECT_EQ(detail.at("version"), 3);
  EXPECT_EQ(detail.at("createdAt"), "2025-12-03T10:50:00.500Z");
  EXPECT_EQ(detail.at("updatedAt"), "2025-12-03T11:00:00.250Z");
  EXPECT_FALSE(detail.contains("tags"));
}

TEST(EcsEventsTest, ANewTaskIsAnEventAndAnUnchangedVersionIsNot) {
  EXPECT_EQ(ecs_events(change(nullptr, task("PROVISIONING", 1))).size(), 1u);
  EXPECT_TRUE(ecs_events(change(task("RUNNING", 3), task("RUNNING", 3))).empty());
}

TEST(EcsEventsTest, ARemovedTaskSendsNothing) {
  EXPECT_TRUE(ecs_events(change(task("STOPPED", 5), nullptr)).empty());
}

TEST(EcsEventsTest, AnInstanceChangeIsAContainerInstanceStateChange) {
  auto events = ecs_events(change(instance(true, 2), instance(false, 3)));
  ASSERT_EQ(events.size(), 2u);  // and its health: the agent is gone
  EXPECT_EQ(events[0].at("detail-type"), "ECS Container Instance State Change");
  EXPECT_EQ(events[0].at("resources"), (json::array{json::string(kInstanceArn)}));
  const json::object& detail = events[0].at("detail").as_object();
  EXPECT_EQ(detail.at("agentConnected"), false);
  EXPECT_EQ(detail.at("clusterArn"), "arn:aws:ecs:eu-west-1:111122223333:cluster/web");
}

std::shared_ptr<const state::Record> gpu_instance(bool impaired, double reported_at) {
  state::ContainerInstanceRecord record{"web", json::object{{"containerInstanceArn", kInstanceArn},
                                                            {"ec2InstanceId", "i-0abc"},
                                                            {"status", "ACTIVE"},
                                                            {"agentConnected", true},
                                                            {"version", 4}}};
  json::object gpu{{"uuid", "GPU-aaaa"},
                   {"healthStatus", impaired ? "UNHEALTHY" : "HEALTHY"},
                   {"reportedAt", reported_at},
                   {"changedAt", 1764759500.0}};
  if (impaired) gpu["reason"] = "XID_79";
  record.gpu_health.push_back(std::move(gpu));
  return std::make_shared<const state::Record>(std::move(record));
}

TEST(EcsEventsTest, AnImpairedGpuIsAContainerInstanceHealthChange) {
  auto events = ecs_events(change(gpu_instance(false, 1764759500), gpu_instance(true, 1764759600)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("detail-type"), "ECS Container Instance State Change");
  const json::object& event = events[1];
  EXPECT_EQ(event.at("detail-type"), "ECS Container Instance Health Change");
  EXPECT_EQ(event.at("source"), "aws.ecs");
  EXPECT_EQ(event.at("resources"), (json::array{json::string(kInstanceArn)}));
  EXPECT_NE(event.at("id"), events[0].at("id"));
  const json::object& detail = event.at("detail").as_object();
  EXPECT_EQ(detail.at("clusterArn"), "arn:aws:ecs:eu-west-1:111122223333:cluster/web");
  EXPECT_EQ(detail.at("containerInstanceArn"), json::string(kInstanceArn));
  EXPECT_EQ(detail.at("ec2InstanceId"), "i-0abc");
  EXPECT_TRUE(detail.at("capacityProviderName").is_null());
  EXPECT_EQ(detail.at("overallStatus"), "IMPAIRED");
  const json::array& checks = detail.at("healthChecks").as_array();
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].at("type"), "CONTAINER_RUNTIME");
  EXPECT_EQ(checks[0].at("status"), "OK");
  EXPECT_EQ(checks[1].at("type"), "ACCELERATED_COMPUTE");
  EXPECT_EQ(checks[1].at("status"), "IMPAIRED");
  EXPECT_EQ(checks[1].at("statusReason"), "XID_79");
  EXPECT_EQ(checks[1].at("lastStatusChange"), "2025-12-03T10:58:20.000Z");
  EXPECT_EQ(checks[1].at("lastUpdated"), "2025-12-03T11:00:00.000Z");
}

TEST(EcsEventsTest, OnlyATransitionIsAHealthChange) {
  // A fresh report of the same verdict: the state change only.
  EXPECT_EQ(ecs_events(change(gpu_instance(true, 1764759500), gpu_instance(true, 1764759600))).size(),
            1u);
  // A new instance: no transition.
  EXPECT_EQ(ecs_events(change(nullptr, gpu_instance(true, 1764759600))).size(), 1u);
  // OK again.
  auto events = ecs_events(change(gpu_instance(true, 1764759500), gpu_instance(false, 1764759600)));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("detail").at("overallStatus"), "OK");
}

TEST(EcsEventsTest, AReplayRepeatsTheIdAndAnotherRevisionDoesNot) {
  auto first = ecs_events(change(nullptr, task("PROVISIONING", 1), 7));
  auto again = ecs_events(change(nullptr, task("PROVISIONING", 1), 7));
  auto later = ecs_events(change(nullptr, task("PROVISIONING", 1), 8));
  EXPECT_EQ(first[0].at("id"), again[0].at("id"));
  EXPECT_NE(first[0].at("id"), later[0].at("id"));
  EXPECT_EQ(first[0].at("id").as_string().size(), 36u);
}

TEST(EcsEventsTest, Iso8601KeepsMilliseconds) {
  EXPECT_EQ(iso8601(core::SystemTime(std::chrono::milliseconds(0))), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601(core::SystemTime(std::chrono::milliseconds(1999))), "1970-01-01T00:00:01.999Z");
}

}  // namespace
}  // namespace gantry::ecs
