#include "model/task_definition_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

json::object request_of(std::string_view text) { return json::parse(text).as_object(); }

// A valid EC2 definition to break one rule at a time.
json::object base_request() {
  return request_of(R"({"family": "web", "containerDefinitions": [
      {"name": "app", "image": "nginx:1.25", "memory": 512}]})");
}

json::object& container(json::object& request, std::size_t index = 0) {
  return request["containerDefinitions"].as_array()[index].as_object();
}

void add_container(json::object& request, std::string_view definition) {
  request["containerDefinitions"].as_array().push_back(json::parse(definition));
}

// The ClientException message validate_task_definition gives, or "" when it accepts.
std::string refusal(const json::object& request) {
  try {
    validate_task_definition(request);
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "ClientException") << e.message();
    EXPECT_EQ(e.http_status(), 400);
    return e.message();
  }
  return "";
}

TEST(TaskDefinitionRules, AcceptsAMinimalDefinition) { EXPECT_EQ(refusal(base_request()), ""); }

TEST(TaskDefinitionRules, Family) {
  auto r = base_request();
  r["family"] = "web_app-2";
  EXPECT_EQ(refusal(r), "");
  r["family"] = "web app";
  EXPECT_EQ(refusal(r), "Family contains invalid characters.");
  r["family"] = "";
  EXPECT_EQ(refusal(r), "Family should not be null or empty.");
  r["family"] = std::string(255, 'a');
  EXPECT_EQ(refusal(r), "");
  r["family"] = std::string(256, 'a');
  EXPECT_NE(refusal(r).find("Family is too long"), std::string::npos);
}

TEST(TaskDefinitionRules, ContainerListAndNames) {
  auto r = base_request();
  r["containerDefinitions"] = json::array();
  EXPECT_EQ(refusal(r), "Container list cannot be empty.");

  r = base_request();
  container(r)["name"] = "my app";
  EXPECT_EQ(refusal(r), "Container.name contains invalid characters.");
  container(r).erase("name");
  EXPECT_EQ(refusal(r), "Container.name should not be null or empty.");

  r = base_request();
  add_container(r, R"({"name": "app", "image": "busybox", "memory": 64})");
  EXPECT_EQ(refusal(r), "Container names must be unique within a Task Definition.");
}

TEST(TaskDefinitionRules, AtMostTenContainers) {
  auto r = base_request();
  for (int i = 1; i < 10; ++i) {
    add_container(r, R"({"name": "c)" + std::to_string(i) + R"(", "image": "busybox", "memory": 16})");
  }
  EXPECT_EQ(refusal(r), "");
  add_container(r, R"({"name": "c10", "image": "busybox", "memory": 16})");
  EXPECT_NE(refusal(r).find("Too many containers"), std::string::npos);
}

TEST(TaskDefinitionRules, ImageIsRequired) {
  auto r = base_request();
  container(r)["image"] = "";
  EXPECT_EQ(refusal(r), "Container.image should not be null or empty.");
  container(r).erase("image");
  EXPECT_EQ(refusal(r), "Container.image should not be null or empty.");
}

TEST(TaskDefinitionRules, NeedsAnEssentialContainerAndEssentialDefaultsToTrue) {
  auto r = base_request();
  add_container(r, R"({"name": "sidecar", "image": "busybox", "memory": 64, "essential": false})");
  EXPECT_EQ(refusal(r), "");  // "app" omits essential: it is essential
  container(r)["essential"] = false;
  EXPECT_EQ(refusal(r), "Task definition doesn't have any essential container.");
}

TEST(TaskDefinitionRules, ContainerMemory) {
  auto r = base_request();
  container(r).erase("memory");
  EXPECT_EQ(refusal(r),
            "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' must be specified.");
  container(r)["memoryReservation"] = 128;
  EXPECT_EQ(refusal(r), "");
  container(r)["memory"] = 64;
  EXPECT_EQ(refusal(r), "Invalid setting for container 'app'. 'memory' must be greater than or equal to 'memoryReservation'.");
  container(r)["memory"] = 128;
  EXPECT_EQ(refusal(r), "");
  container(r)["memory"] = 5;
  container(r)["memoryReservation"] = 5;
  EXPECT_EQ(refusal(r), "Invalid setting for container 'app'. 'memory' must be at least 6 MiB.");
  container(r).erase("memory");
  EXPECT_EQ(refusal(r), "Invalid setting for container 'app'. 'memoryReservation' must be at least 6 MiB.");
}

TEST(TaskDefinitionRules, TaskMemoryMakesContainerMemoryOptionalAndBoundsIt) {
  auto r = base_request();
  r["memory"] = "1024";
  container(r).erase("memory");
  EXPECT_EQ(refusal(r), "");
  container(r)["memory"] = 2048;
  EXPECT_EQ(refusal(r), "The 'memory' setting for container 'app' is greater than for the task.");
  container(r)["memory"] = 600;
  add_container(r, R"({"name": "worker", "image": "busybox", "memory": 600})");
  EXPECT_NE(refusal(r).find("cannot be greater than the value of the task 'memory'"), std::string::npos);
  container(r, 1)["memory"] = 1024;
  container(r, 1)["memoryReservation"] = 400;  // reserves 400: 600 + 400 fits in 1024
  EXPECT_EQ(refusal(r), "");
}

TEST(TaskDefinitionRules, ContainerCpu) {
  auto r = base_request();
  r["cpu"] = "1024";
  container(r)["cpu"] = 512;
  add_container(r, R"({"name": "worker", "image": "busybox", "memory": 64, "cpu": 512})");
  EXPECT_EQ(refusal(r), "");
  container(r, 1)["cpu"] = 513;
  EXPECT_EQ(refusal(r), "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.");
  r.erase("cpu");  // without a task cpu there is no sum to respect
  EXPECT_EQ(refusal(r), "");
  container(r)["cpu"] = -1;
  EXPECT_EQ(refusal(r), "Invalid 'cpu' setting for container 'app'. 'cpu' must be 0 or greater.");
}

TEST(TaskDefinitionRules, TaskCpuAndMemoryStrings) {
  auto r = base_request();
  r["cpu"] = "0.5 vCPU";
  r["memory"] = "1 GB";
  EXPECT_EQ(refusal(r), "");
  r["cpu"] = "lots";
  EXPECT_NE(refusal(r).find("Invalid 'cpu' setting for task: 'lots'"), std::string::npos);
  r["cpu"] = "64";
  EXPECT_NE(refusal(r).find("between 128 (0.125 vCPU) and 196608 (192 vCPU)"), std::string::npos);
  r["cpu"] = "256";
  r["memory"] = "1 TB";
  EXPECT_NE(refusal(r).find("Invalid 'memory' setting for task: '1 TB'"), std::string::npos);
  r["memory"] = "0";
  EXPECT_NE(refusal(r).find("Invalid 'memory' setting for task: '0'"), std::string::npos);
}

TEST(TaskDefinitionRules, NormalizeRewritesCpuAndMemoryToUnitlessStrings) {
  auto r = base_request();
  r["cpu"] = "1 vCPU";
  r["memory"] = "0.5GB";
  normalize_task_definition(r);
  EXPECT_EQ(r["cpu"], "1024");
  EXPECT_EQ(r["memory"], "512");
  r["cpu"] = "256";
  r["memory"] = "2 GB";
  normalize_task_definition(r);
  EXPECT_EQ(r["cpu"], "256");
  EXPECT_EQ(r["memory"], "2048");
  r["cpu"] = "lots";  // left for validate_task_definition to refuse
  normalize_task_definition(r);
  EXPECT_EQ(r["cpu"], "lots");
  auto without = base_request();
  normalize_task_definition(without);
  EXPECT_FALSE(without.contains("cpu"));
  EXPECT_FALSE(without.contains("memory"));
}

}  // namespace
}  // namespace gantry::model
