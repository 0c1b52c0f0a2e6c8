#include "agent/metadata/task_metadata.h"

#include <gtest/gtest.h>

namespace gantry::agent::metadata {
namespace {

namespace json = boost::json;

constexpr const char* kArn = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef";

TaskView sample_task() {
  TaskView v;
  v.cluster = "prod";
  v.instance_arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/prod/i1";
  v.desired_status = "RUNNING";
  v.spec.task_arn = kArn;
  v.spec.task_id = "0123456789abcdef0123456789abcdef";
  v.spec.cluster = "prod";
  v.spec.family = "web";
  v.spec.revision = 7;
  v.spec.cpu_units = 256;
  v.spec.memory_mib = 512;

  ContainerSpec app;
  app.name = "app";
  app.image = "nginx:1.25";
  app.cpu_units = 128;
  app.memory_mib = 256;
  app.docker_labels = {{"team", "edge"}, {"com.amazonaws.ecs.cluster", "spoofed"}};
  app.health_check = HealthCheckSpec{{"CMD-SHELL", "true"}};
  app.restart_policy = RestartPolicy{true, {}, std::chrono::seconds(60)};
  ContainerSpec init;
  init.name = "init";
  init.image = "busybox";
  v.spec.containers = {app, init};

  v.status.task_arn = kArn;
  v.status.last_status = "RUNNING";
  v.status.pull_started_at = 1700000000.125;
  v.status.pull_stopped_at = 1700000001.5;
  ContainerStatus a;
  a.name = "app";
  a.runtime_id = "d0cker1d";
  a.last_status = "RUNNING";
  a.health_status = "HEALTHY";
  a.started_at = 1700000002.0;
  a.restart_count = 2;
  a.network_bindings = {{"0.0.0.0", 80, 32768, "tcp"}};
  a.handle = ContainerHandle{
      "d0cker1d",
      json::object{{"name", "ecs-web-7-app"}, {"ipv4Addresses", json::array{"172.17.0.5"}}},
      {}};
  ContainerStatus i;
  i.name = "init";
  i.runtime_id = "1n1t";
  i.last_status = "STOPPED";
  i.exit_code = 0;
  v.status.containers = {a, i};
  return v;
}

TEST(TaskMetadataTest, Rfc3339WritesUtcWithTrimmedFraction) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(1700000000.0), "2023-11-14T22:13:20Z");
  EXPECT_EQ(rfc3339(1700000000.125), "2023-11-14T22:13:20.125Z");
  EXPECT_EQ(rfc3339(1.5000004), "1970-01-01T00:00:01.5Z");  // to microseconds
  EXPECT_EQ(rfc3339(1.9999996), "1970-01-01T00:00:02Z");
  EXPECT_EQ(rfc3339(-0.25), "1969-12-31T23:59:59.75Z");
}

TEST(TaskMetadataTest, ContainerCarriesEcsMemberNames) {
  const auto c = container_metadata(sample_task(), "app");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("DockerId"), "d0cker1d");
  EXPECT_EQ(c->at("Name"), "app");
  EXPECT_EQ(c->at("DockerName"), "ecs-web-7-app");
  EXPECT_FALSE(c->contains("ImageID"));  // the driver did not say
  EXPECT_EQ(c->at("Image"), "nginx:1.25");
  EXPECT_EQ(c->at("DesiredStatus"), "RUNNING");
  EXPECT_EQ(c->at("KnownStatus"), "RUNNING");
  EXPECT_EQ(c->at("Type"), "NORMAL");
  EXPECT_EQ(c->at("StartedAt"), "2023-11-14T22:13:22Z");
  EXPECT_FALSE(c->contains("ExitCode"));
  EXPECT_FALSE(c->contains("CreatedAt"));
  EXPECT_FALSE(c->contains("FinishedAt"));
  EXPECT_FALSE(c->contains("ContainerARN"));
  EXPECT_EQ(c->at("Limits"), (json::object{{"CPU", 128}, {"Memory", 256}}));
  EXPECT_EQ(c->at("Health"), (json::object{{"status", "HEALTHY"}}));
  EXPECT_EQ(c->at("RestartCount"), 2);
  EXPECT_EQ(c->at("Ports"), (json::array{json::object{
                                {"ContainerPort", 80}, {"Protocol", "tcp"},
                                {"HostPort", 32768}, {"HostIp", "0.0.0.0"}}}));
  EXPECT_EQ(c->at("Networks"),
            (json::array{json::object{{"NetworkMode", "bridge"},
                                      {"IPv4Addresses", json::array{"172.17.0.5"}}}}));
}

TEST(TaskMetadataTest, LabelsAreEcsOnesOverTheTaskDefinitions) {
  const auto c = container_metadata(sample_task(), "app");
  ASSERT_TRUE(c);
  const auto& labels = c->at("Labels").as_object();
  EXPECT_EQ(labels.at("team"), "edge");
  EXPECT_EQ(labels.at("com.amazonaws.ecs.cluster"), "prod");
  EXPECT_EQ(labels.at("com.amazonaws.ecs.container-name"), "app");
  EXPECT_EQ(labels.at("com.amazonaws.ecs.task-arn"), kArn);
  EXPECT_EQ(labels.at("com.amazonaws.ecs.task-definition-family"), "web");
  EXPECT_EQ(labels.at("com.amazonaws.ecs.task-definition-version"), "7");
}

TEST(TaskMetadataTest, StoppedContainerHasExitCodeAndNoHealthOrRestarts) {
  const auto c = container_metadata(sample_task(), "init");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("KnownStatus"), "STOPPED");
  EXPECT_EQ(c->at("ExitCode"), 0);
  EXPECT_FALSE(c->contains("Health"));
  EXPECT_FALSE(c->contains("RestartCount"));
  EXPECT_FALSE(c->contains("DockerName"));
  EXPECT_FALSE(c->contains("Ports"));
  // No CPU given: Docker's minimum of 2 shares, as ECS reports; no memory limit.
  EXPECT_EQ(c->at("Limits"), (json::object{{"CPU", 2}}));
  EXPECT_EQ(c->at("Networks"), (json::array{json::object{{"NetworkMode", "bridge"}}}));
}

TEST(TaskMetadataTest, HandleStateFillsImageIdAndTimes) {
  auto task = sample_task();
  task.status.containers[1].handle = ContainerHandle{
      "1n1t",
      json::object{{"imageId", "sha256:abc"}, {"createdAt", 1700000000.0},
                   {"finishedAt", 1700000003.25}, {"ipAddress", "172.17.0.9"}},
      {}};
  const auto c = container_metadata(task, "init");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("ImageID"), "sha256:abc");
  EXPECT_EQ(c->at("CreatedAt"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(c->at("FinishedAt"), "2023-11-14T22:13:23.25Z");
  EXPECT_EQ(c->at("Networks").at(0).at("IPv4Addresses"), json::array{"172.17.0.9"});
}

TEST(TaskMetadataTest, ContainerNotYetKnownToStatusIsPending) {
  auto task = sample_task();
  task.status.containers.pop_back();
  const auto c = container_metadata(task, "init");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("KnownStatus"), "PENDING");
  EXPECT_EQ(c->at("DockerId"), "");
  EXPECT_FALSE(c->contains("StartedAt"));
}

TEST(TaskMetadataTest, UnknownContainerIsNullopt) {
  EXPECT_FALSE(container_metadata(sample_task(), "nope"));
}

TEST(TaskMetadataTest, TaskCarriesEcsMemberNames) {
  const auto t = task_metadata(sample_task());
  EXPECT_EQ(t.at("Cluster"), "prod");
  EXPECT_EQ(t.at("TaskARN"), kArn);
  EXPECT_EQ(t.at("Family"), "web");
  EXPECT_EQ(t.at("Revision"), "7");
  EXPECT_EQ(t.at("DesiredStatus"), "RUNNING");
  EXPECT_EQ(t.at("KnownStatus"), "RUNNING");
  EXPECT_EQ(t.at("LaunchType"), "EC2");
  EXPECT_EQ(t.at("PullStartedAt"), "2023-11-14T22:13:20.125Z");
  EXPECT_EQ(t.at("PullStoppedAt"), "2023-11-14T22:13:21.5Z");
  EXPECT_FALSE(t.contains("ExecutionStoppedAt"));
  EXPECT_FALSE(t.contains("ServiceName"));
  EXPECT_FALSE(t.contains("AvailabilityZone"));
  const auto& limits = t.at("Limits").as_object();
  EXPECT_DOUBLE_EQ(limits.at("CPU").to_number<double>(), 0.25);
  EXPECT_EQ(limits.at("Memory"), 512);
  const auto& containers = t.at("Containers").as_array();
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0].at("Name"), "app");
  EXPECT_EQ(containers[1].at("Name"), "init");
  EXPECT_EQ(containers[0], *container_metadata(sample_task(), "app"));
}

TEST(TaskMetadataTest, TaskLimitsWholeVcpusAndAbsence) {
  auto task = sample_task();
  task.spec.cpu_units = 2048;
  task.spec.memory_mib.reset();
  task.status.execution_stopped_at = 1700000100.0;
  auto t = task_metadata(task);
  EXPECT_EQ(t.at("Limits"), (json::object{{"CPU", 2}}));
  EXPECT_EQ(json::serialize(t.at("Limits")), R"({"CPU":2})");
  EXPECT_EQ(t.at("ExecutionStoppedAt"), "2023-11-14T22:15:00Z");

  task.spec.cpu_units.reset();
  EXPECT_FALSE(task_metadata(task).contains("Limits"));
}

}  // namespace
}  // namespace gantry::agent::metadata
