// Schema::parse on a small model that uses every shape type and constraint
// botocore models have, including ones the ECS model does not use today.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/error.h"
#include "model/schema.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

constexpr std::string_view kModel = R"json({
  "metadata": {"protocol": "json"},
  "operations": {
    "Put": {"name": "Put", "input": {"shape": "PutRequest"}},
    "Ping": {"name": "Ping"},
    "Walk": {"name": "Walk", "input": {"shape": "Node"}}
  },
  "shapes": {
    "PutRequest": {"type": "structure", "required": ["id"], "members": {
      "id": {"shape": "Id"}, "size": {"shape": "Size"}, "ratio": {"shape": "Ratio"},
      "weight": {"shape": "Weight"}, "payload": {"shape": "Payload"}, "extra": {"shape": "Extra"},
      "when": {"shape": "When"}, "limits": {"shape": "Limits"}, "label": {"shape": "Label"},
      "loose": {"shape": "Loose"}, "names": {"shape": "Names"}, "flag": {"shape": "Flag"}}},
    "Id": {"type": "string", "pattern": "[a-z]+-[0-9]+", "min": 3, "max": 20},
    "Label": {"type": "string", "pattern": "([\\p{L}\\p{N}]*)"},
    "Loose": {"type": "string", "pattern": "[unclosed"},
    "Size": {"type": "long", "min": 0},
    "Ratio": {"type": "double", "min": 0.0, "max": 1.0},
    "Weight": {"type": "float"},
    "Payload": {"type": "blob"},
    "Extra": {"type": "structure", "document": true},
    "When": {"type": "timestamp"},
    "Limits": {"type": "map", "key": {"shape": "LimitName"}, "value": {"shape": "Size"}, "max": 2},
    "LimitName": {"type": "string", "enum": ["cpu", "memory", "gpu"]},
    "Names": {"type": "list", "member": {"shape": "Id"}, "min": 1},
    "Flag": {"type": "boolean"},
    "Node": {"type": "structure", "members": {"next": {"shape": "Node"}, "value": {"shape": "Size"}}}
  }
})json";

const Schema& test_schema() {
  static const std::unique_ptr<Schema> schema = Schema::parse(kModel);
  return *schema;
}

std::string put(std::string_view members) { return R"({"id":"abc-1")" + std::string(members) + "}"; }

void expect_valid(std::string_view body, std::string_view op = "Put") {
  EXPECT_NO_THROW(test_schema().validate_request(op, parse_request_body(body))) << body;
}

void expect_error(std::string_view body, const std::string& type, const std::string& message) {
  try {
    test_schema().validate_request("Put", parse_request_body(body));
    ADD_FAILURE() << "accepted " << body;
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), type) << body;
    EXPECT_EQ(e.message(), message) << body;
  }
}

std::string constraint(std::string_view value_at, std::string_view rule) {
  return "1 validation error detected: Value " + std::string(value_at) + " failed to satisfy constraint: " +
         std::string(rule);
}

TEST(SchemaParse, ListsOperations) {
  EXPECT_EQ(test_schema().operation_names(), (std::vector<std::string>{"Ping", "Put", "Walk"}));
  EXPECT_TRUE(test_schema().has_operation("Ping"));
  expect_valid("{}", "Ping");
  EXPECT_THROW(test_schema().validate_request("Ping", parse_request_body(R"({"a":1})")), core::ApiError);
}

TEST(SchemaParse, AcceptsEveryTypeInItsJsonForm) {
  expect_valid(put(R"(,"size":9223372036854775807,"ratio":1,"weight":1e300,"payload":"aGVsbG8=",
      "extra":[1,{"a":null,"b":[true]}],"when":1700000000.5,"limits":{"cpu":1,"gpu":2e3},
      "label":"h\u00e9llo w\u00f6rld","loose":"anything ]","names":["abc-1","xyz-22"],"flag":false)"));
  for (std::string_view when : {"\"2024-02-29\"", "\"2024-02-29T10:00Z\"", "\"2024-02-29T10:00:00.123456+05:30\"",
                                "\"2024-02-29 10:00:00-0800\"", "0", "-1.5"}) {
    expect_valid(put(",\"when\":" + std::string(when)));
  }
}

TEST(SchemaParse, MatchesPatternsAgainstTheWholeString) {
  expect_error(R"({"id":"abc-12x"})", "InvalidParameterException",
               constraint("'abc-12x' at 'id'", "Member must satisfy regular expression pattern: [a-z]+-[0-9]+"));
  expect_error(R"({"id":"ABC-1"})", "InvalidParameterException",
               constraint("'ABC-1' at 'id'", "Member must satisfy regular expression pattern: [a-z]+-[0-9]+"));
  expect_error(R"({"id":"abcdefghijklmnopqrs-1"})", "InvalidParameterException",
               constraint("'abcdefghijklmnopqrs-1' at 'id'", "Member must have length less than or equal to 20"));
}

TEST(SchemaParse, ChecksNumbers) {
  expect_error(put(R"(,"size":9223372036854775808)"), "SerializationException",
               "Expected long for size, got number 9223372036854775808 out of range");
  expect_error(put(R"(,"size":1e19)"), "SerializationException", "Expected long for size, got number 1e+19 out of range");
  expect_error(put(R"(,"size":-1)"), "InvalidParameterException",
               constraint("'-1' at 'size'", "Member must have value greater than or equal to 0"));
  expect_error(put(R"(,"ratio":1.5)"), "InvalidParameterException",
               constraint("'1.5' at 'ratio'", "Member must have value less than or equal to 1"));
  expect_error(put(R"(,"ratio":"0.5")"), "SerializationException", "Expected double for ratio, got string");
  expect_error(put(R"(,"weight":null,"payload":5)"), "SerializationException", "Expected blob for payload, got number 5");
}

TEST(SchemaParse, ChecksMapsAndLists) {
  expect_error(put(R"(,"limits":{"disk":1})"), "InvalidParameterException",
               constraint("'disk' at 'limits.disk'", "Member must satisfy enum value set: [cpu, memory, gpu]"));
  expect_error(put(R"(,"limits":{"cpu":-1})"), "InvalidParameterException",
               constraint("'-1' at 'limits.cpu'", "Member must have value greater than or equal to 0"));
  expect_error(put(R"(,"limits":{"cpu":1,"gpu":1,"memory":1})"), "InvalidParameterException",
               constraint("at 'limits'", "Member must have length less than or equal to 2"));
  expect_error(put(R"(,"names":[])"), "InvalidParameterException",
               constraint("at 'names'", "Member must have length greater than or equal to 1"));
  expect_error(put(R"(,"names":["abc-1","x"])"), "InvalidParameterException",
               constraint("'x' at 'names[1]'", "Member must have length greater than or equal to 3"));
  expect_error(put(R"(,"when":"2024-13-01")"), "SerializationException",
               "Expected timestamp for when, got string that is not an ISO-8601 date-time");
}

// Objects built in code are not bounded by parse_request_body's depth limit;
// the walk must still stop instead of recursing without end.
TEST(SchemaParse, StopsAtDeepRecursiveShapes) {
  auto nested = [](int depth) {
    json::object node{{"value", 1}};
    for (int i = 0; i < depth; ++i) node = json::object{{"next", std::move(node)}};
    return node;
  };
  EXPECT_NO_THROW(test_schema().validate_request("Walk", nested(60)));
  try {
    test_schema().validate_request("Walk", nested(1000));
    ADD_FAILURE() << "accepted 1000 levels";
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "SerializationException");
    EXPECT_NE(e.message().find("deeper than 64"), std::string::npos) << e.message();
  }
}

TEST(SchemaParse, RejectsBrokenModels) {
  EXPECT_THROW(Schema::parse("not json"), std::invalid_argument);
  EXPECT_THROW(Schema::parse(R"({"operations":{}})"), std::invalid_argument);
  EXPECT_THROW(Schema::parse(R"({"operations":{"A":{"input":{"shape":"Missing"}}},"shapes":{}})"),
               std::invalid_argument);
  EXPECT_THROW(Schema::parse(R"({"operations":{},"shapes":{"A":{"type":"quaternion"}}})"), std::invalid_argument);
  EXPECT_THROW(Schema::parse(R"({"operations":{},"shapes":{"A":{"type":"list","member":{"shape":"B"}}}})"),
               std::invalid_argument);
}

}  // namespace
}  // namespace gantry::model
