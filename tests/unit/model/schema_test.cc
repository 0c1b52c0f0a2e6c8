// Request validation against botocore's ECS model (model/schema.h), and the
// strict request body parser in front of it.
#include "model/schema.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "schema_test_bodies.h"

namespace gantry::model {
extern const std::string_view kEcsSchemaJson;
}

namespace gantry::model {
namespace {

namespace json = boost::json;

// Runs `op` on `body` and returns the error it throws; fails the test when
// it does not throw.
core::ApiError error_of(std::string_view op, std::string_view body) {
  try {
    Schema::ecs().validate_request(op, parse_request_body(body));
  } catch (const core::ApiError& e) {
    return e;
  }
  ADD_FAILURE() << op << " accepted " << body;
  return core::ApiError("none", "");
}

void expect_error(std::string_view op, std::string_view body, const std::string& type, const std::string& message) {
  core::ApiError e = error_of(op, body);
  EXPECT_EQ(e.type(), type) << e.message();
  EXPECT_EQ(e.message(), message);
  EXPECT_EQ(e.http_status(), 400);
}

void expect_valid(std::string_view op, std::string_view body) {
  EXPECT_NO_THROW(Schema::ecs().validate_request(op, parse_request_body(body))) << op << ": " << body;
}

// The RegisterTaskDefinition body with `from` replaced by `to` (once).
std::string task_definition_with(std::string_view from, std::string_view to) {
  std::string body(testing_bodies::kRegisterTaskDefinition);
  std::size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

TEST(ParseRequestBody, EmptyAndBlankBodiesAreEmptyObjects) {
  EXPECT_TRUE(parse_request_body("").empty());
  EXPECT_TRUE(parse_request_body(" \r\n\t ").empty());
  EXPECT_EQ(parse_request_body(R"({"cluster": "a"})").at("cluster").as_string(), "a");
}

TEST(ParseRequestBody, RejectsWhatIsNotOneJsonObject) {
  for (std::string_view body : {"{", "[]", "\"x\"", "42", "null", "{} {}", "{\"a\":1,}", "{'a':1}", "{\"a\":\"\xff\"}"}) {
    try {
      parse_request_body(body);
      ADD_FAILURE() << "accepted " << body;
    } catch (const core::ApiError& e) {
      EXPECT_EQ(e.type(), "SerializationException") << body;
    }
  }
  try {
    parse_request_body("[1]");
    ADD_FAILURE() << "accepted [1]";
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.message(), "Request body must be a JSON object, got array");
  }
}

TEST(ParseRequestBody, RejectsDuplicateKeysAtAnyDepth) {
  for (std::string_view body : {R"({"a":1,"a":2})", R"({"x":[{"b":1},{"b":1,"c":2,"b":3}]})"}) {
    try {
      parse_request_body(body);
      ADD_FAILURE() << "accepted " << body;
    } catch (const core::ApiError& e) {
      EXPECT_EQ(e.type(), "SerializationException");
      EXPECT_NE(e.message().find("duplicate key"), std::string::npos) << e.message();
    }
  }
  EXPECT_EQ(parse_request_body(R"({"a":{"b":1},"c":{"b":2}})").size(), 2u);
}

TEST(ParseRequestBody, LimitsNestingTo64Levels) {
  // The top-level object and 63 arrays: 64 levels.
  std::string ok = "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_NO_THROW(parse_request_body(ok));
  std::string too_deep = "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
  try {
    parse_request_body(too_deep);
    ADD_FAILURE() << "accepted 65 levels";
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "SerializationException");
    EXPECT_NE(e.message().find("deeper than 64"), std::string::npos) << e.message();
  }
}

TEST(EcsSchema, KnowsTheOperations) {
  const Schema& schema = Schema::ecs();
  EXPECT_EQ(&schema, &Schema::ecs());
  std::vector<std::string> names = schema.operation_names();
  EXPECT_EQ(names.size(), 77u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(schema.has_operation("RegisterTaskDefinition"));
  EXPECT_TRUE(schema.has_operation("RunTask"));
  EXPECT_FALSE(schema.has_operation("runTask"));
  EXPECT_FALSE(schema.has_operation("RegisterTaskDefinitionRequest"));
  expect_error("LaunchRockets", "{}", "UnknownOperationException", "Unknown operation: LaunchRockets");
}

TEST(EcsSchema, AcceptsRealRequests) {
  expect_valid("RegisterTaskDefinition", testing_bodies::kRegisterTaskDefinition);
  expect_valid("CreateCluster", testing_bodies::kCreateCluster);
  expect_valid("DescribeClusters", testing_bodies::kDescribeClusters);
  expect_valid("RunTask", R"({"cluster":"gpu-lab","taskDefinition":"web-stack:3","count":2,
      "launchType":"EXTERNAL","startedBy":"ci","overrides":{"containerOverrides":[{"name":"web",
      "environment":[{"name":"A","value":"1"}],"command":["true"]}]},
      "placementStrategy":[{"type":"binpack","field":"memory"}],"tags":[{"key":"k","value":"v"}]})");
  expect_valid("SubmitTaskStateChange", R"({"cluster":"c","task":"t","status":"RUNNING",
      "pullStartedAt":1700000000.25,"pullStoppedAt":"2024-01-02T03:04:05.123Z",
      "executionStoppedAt":"2024-01-02T03:04:05+01:00"})");
}

TEST(EcsSchema, EveryOperationWithoutRequiredMembersAcceptsAnEmptyObject) {
  json::object model = json::parse(kEcsSchemaJson).as_object();
  const json::object& shapes = model.at("shapes").as_object();
  std::size_t with_required = 0;
  for (const auto& [name, op] : model.at("operations").as_object()) {
    const json::object& input = shapes.at(op.at("input").at("shape").as_string()).as_object();
    const json::value* required = input.if_contains("required");
    if (required == nullptr || required->as_array().empty()) {
      EXPECT_NO_THROW(Schema::ecs().validate_request(name, {})) << name;
    } else {
      ++with_required;
      std::string first(required->as_array().at(0).as_string());
      expect_error(name, "{}", "InvalidParameterException", "Missing required parameter in input: \"" + first + "\"");
    }
  }
  EXPECT_GT(with_required, 20u);
}

TEST(EcsSchema, ReportsMissingRequiredMembers) {
  expect_error("RegisterTaskDefinition", R"({"family":"f"})", "InvalidParameterException",
               "Missing required parameter in input: \"containerDefinitions\"");
  expect_error("RunTask", R"({"cluster":"c"})", "InvalidParameterException",
               "Missing required parameter in input: \"taskDefinition\"");
  expect_error("CreateService", R"({"taskDefinition":"t"})", "InvalidParameterException",
               "Missing required parameter in input: \"serviceName\"");
  expect_error("DeleteCluster", R"({})", "InvalidParameterException",
               "Missing required parameter in input: \"cluster\"");
  // null reads as absent
  expect_error("RunTask", R"({"taskDefinition":null})", "InvalidParameterException",
               "Missing required parameter in input: \"taskDefinition\"");
  expect_error("RegisterTaskDefinition",
               task_definition_with(R"("softLimit": 65536, )", ""), "InvalidParameterException",
               "Missing required parameter in containerDefinitions[0].ulimits[0]: \"softLimit\"");
  expect_error("RegisterTaskDefinition",
               task_definition_with(R"({"logDriver": "awslogs", )", "{"), "InvalidParameterException",
               "Missing required parameter in containerDefinitions[2].logConfiguration: \"logDriver\"");
}

TEST(EcsSchema, ReportsUnknownMembersWithTheirPath) {
  expect_error("DeleteCluster", R"({"cluster":"c","force":true})", "InvalidParameterException",
               "Unknown parameter in input: \"force\", must be one of: cluster");
  expect_error("RegisterTaskDefinition",
               task_definition_with(R"("name": "http", )", R"("name": "http", "bogus": 1, )"),
               "InvalidParameterException",
               "Unknown parameter in containerDefinitions[0].portMappings[0]: \"bogus\", must be one of: "
               "appProtocol, containerPort, containerPortRange, hostPort, name, protocol");
}

TEST(EcsSchema, ReportsWrongJsonTypes) {
  expect_error("RegisterTaskDefinition", task_definition_with(R"("hostPort": 8443.0)", R"("hostPort": "8443")"),
               "SerializationException",
               "Expected integer for containerDefinitions[0].portMappings[1].hostPort, got string");
  expect_error("RegisterTaskDefinition", task_definition_with(R"("family": "web-stack")", R"("family": 7)"),
               "SerializationException", "Expected string for family, got number 7");
  expect_error("RegisterTaskDefinition", task_definition_with(R"("mykey": "myvalue")", R"("mykey": false)"),
               "SerializationException", "Expected string for containerDefinitions[0].dockerLabels.mykey, got boolean");
  expect_error("RegisterTaskDefinition", task_definition_with(R"("essential": true)", R"("essential": "true")"),
               "SerializationException", "Expected boolean for containerDefinitions[0].essential, got string");
  expect_error("CreateCluster", R"({"settings":{"name":"containerInsights"}})", "SerializationException",
               "Expected list for settings, got object");
  expect_error("CreateCluster", R"({"configuration":[]})", "SerializationException",
               "Expected structure for configuration, got array");
  expect_error("CreateCluster", R"({"tags":[null]})", "SerializationException",
               "Expected structure for tags[0], got null");
  expect_error("SubmitTaskStateChange", R"({"pullStartedAt":"yesterday"})", "SerializationException",
               "Expected timestamp for pullStartedAt, got string that is not an ISO-8601 date-time");
  expect_error("SubmitTaskStateChange", R"({"pullStartedAt":true})", "SerializationException",
               "Expected timestamp for pullStartedAt, got boolean");
}

TEST(EcsSchema, ChecksIntegerRanges) {
  expect_error("RegisterTaskDefinition", task_definition_with(R"("cpu": 512)", R"("cpu": 512.5)"),
               "SerializationException", "Expected integer for containerDefinitions[0].cpu, got number 512.5");
  expect_error("RegisterTaskDefinition", task_definition_with(R"("cpu": 512)", R"("cpu": 2147483648)"),
               "SerializationException",
               "Expected integer for containerDefinitions[0].cpu, got number 2147483648 out of range");
  expect_valid("RegisterTaskDefinition", task_definition_with(R"("cpu": 512)", R"("cpu": -2147483648)"));
  expect_valid("CreateCluster", R"({"defaultCapacityProviderStrategy":[{"capacityProvider":"a","weight":1000,"base":0}]})");
  expect_error("CreateCluster", R"({"defaultCapacityProviderStrategy":[{"capacityProvider":"a","weight":1001}]})",
               "InvalidParameterException",
               "1 validation error detected: Value '1001' at 'defaultCapacityProviderStrategy[0].weight' "
               "failed to satisfy constraint: Member must have value less than or equal to 1000");
  expect_error("CreateCluster", R"({"defaultCapacityProviderStrategy":[{"capacityProvider":"a","base":-1}]})",
               "InvalidParameterException",
               "1 validation error detected: Value '-1' at 'defaultCapacityProviderStrategy[0].base' "
               "failed to satisfy constraint: Member must have value greater than or equal to 0");
}

TEST(EcsSchema, ChecksEnumsLengthsAndListSizes) {
  expect_error("RegisterTaskDefinition", task_definition_with(R"("networkMode": "bridge")", R"("networkMode": "bogus")"),
               "InvalidParameterException",
               "1 validation error detected: Value 'bogus' at 'networkMode' failed to satisfy constraint: "
               "Member must satisfy enum value set: [bridge, host, awsvpc, none]");
  expect_error("CreateCluster", R"({"tags":[{"key":"","value":"v"}]})", "InvalidParameterException",
               "1 validation error detected: Value '' at 'tags[0].key' failed to satisfy constraint: "
               "Member must have length greater than or equal to 1");
  // Length counts characters, not bytes: 128 two-byte characters fit a TagKey.
  std::string key;
  for (int i = 0; i < 128; ++i) key += "\xc3\xa9";
  expect_valid("CreateCluster", R"({"tags":[{"key":")" + key + R"("}]})");
  expect_error("CreateCluster", R"({"tags":[{"key":")" + key + R"(e"}]})", "InvalidParameterException",
               "1 validation error detected: Value '" + key.substr(0, 100) + "...' at 'tags[0].key' failed to "
               "satisfy constraint: Member must have length less than or equal to 128");
  std::string tags = R"({"tags":[)";
  for (int i = 0; i < 51; ++i) {
    if (i > 0) tags += ',';
    tags += R"({"key":"k)";
    tags += std::to_string(i);
    tags += "\"}";
  }
  expect_error("CreateCluster", tags + "]}", "InvalidParameterException",
               "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
               "Member must have length less than or equal to 50");
}

}  // namespace
}  // namespace gantry::model
