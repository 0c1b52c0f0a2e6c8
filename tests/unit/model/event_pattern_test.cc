// EventBridge event patterns: what they match (EventBridge's semantics, on
// ECS's event shapes) and what they refuse.
#include "model/event_pattern.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/error.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

constexpr const char* kTaskStopped = R"({
  "version": "0", "id": "3317b2af-7005-4ab4-94b5-6d5a1f4a8d0e",
  "detail-type": "ECS Task State Change", "source": "aws.ecs", "account": "123456789012",
  "time": "2026-12-03T11:00:00Z", "region": "us-east-1",
  "resources": ["arn:aws:ecs:us-east-1:123456789012:task/default/abc"],
  "detail": {
    "lastStatus": "STOPPED", "desiredStatus": "STOPPED", "version": 3,
    "containers": [{"name": "web", "exitCode": 1}, {"name": "sidecar", "exitCode": 0}],
    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
    "stopCode": "EssentialContainerExited", "cpu": "256", "gpu": null, "spot": false,
    "attachments": [], "overrides": {}
  }
})";

struct MatchCase {
  const char* name;
  const char* pattern;
  bool matches;
  const char* event = kTaskStopped;
};

class EventPatternMatchTest : public testing::TestWithParam<MatchCase> {};

TEST_P(EventPatternMatchTest, MatchesAsEventBridgeDoes) {
  const MatchCase& c = GetParam();
  EventPattern pattern = EventPattern::compile(c.pattern);
  EXPECT_EQ(pattern.matches(json::parse(c.event).as_object()), c.matches) << c.pattern;
}

const MatchCase kMatchCases[] = {
    // Exact values, AND across fields, OR within an array.
    {"Status", R"({"detail": {"lastStatus": ["STOPPED"]}})", true},
    {"OtherStatus", R"({"detail": {"lastStatus": ["RUNNING"]}})", false},
    {"AnyOfStatuses", R"({"detail": {"lastStatus": ["RUNNING", "STOPPED"]}})", true},
    {"SourceAndType",
     R"({"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
         "detail": {"desiredStatus": ["STOPPED"]}})",
     true},
    {"OneFieldFails", R"({"source": ["aws.ecs"], "detail-type": ["ECS Service Action"]})", false},
    {"CaseSensitive", R"({"detail": {"lastStatus": ["stopped"]}})", false},
    {"MissingField", R"({"detail": {"stoppedReason": ["x"]}})", false},
    {"MissingParent", R"({"nothing": {"here": ["x"]}})", false},
    {"ObjectPatternOnString", R"({"source": {"x": ["aws.ecs"]}})", false},
    {"LeafPatternOnObjectValue", R"({"detail": ["STOPPED"]})", false},
    {"ArrayElement", R"({"resources": ["arn:aws:ecs:us-east-1:123456789012:task/default/abc"]})",
     true},
    {"ArrayOfObjects", R"({"detail": {"containers": {"name": ["web"]}}})", true},
    {"ArrayOfObjectsNone", R"({"detail": {"containers": {"name": ["db"]}}})", false},
    // The fields of a nested pattern must hold in one array element.
    {"SameElement", R"({"detail": {"containers": {"name": ["web"], "exitCode": [1]}}})", true},
    {"DifferentElements", R"({"detail": {"containers": {"name": ["web"], "exitCode": [0]}}})",
     false},
    // Numbers compare numerically, and never equal strings.
    {"Number", R"({"detail": {"version": [3]}})", true},
    {"NumberAsDouble", R"({"detail": {"version": [3.0]}})", true},
    {"NumberIsNotString", R"({"detail": {"version": ["3"]}})", false},
    {"StringIsNotNumber", R"({"detail": {"cpu": [256]}})", false},
    {"Null", R"({"detail": {"gpu": [null]}})", true},
    {"NullIsNotMissing", R"({"detail": {"missing": [null]}})", false},
    {"Boolean", R"({"detail": {"spot": [false]}})", true},
    {"BooleanOther", R"({"detail": {"spot": [true]}})", false},
    {"EmptyString", R"({"x": [""]})", true, R"({"x": ""})"},
    // prefix, suffix, equals-ignore-case, wildcard.
    {"Prefix", R"({"detail": {"clusterArn": [{"prefix": "arn:aws:ecs:us-east-1:"}]}})", true},
    {"PrefixNot", R"({"region": [{"prefix": "eu-"}]})", false},
    {"PrefixOnNumber", R"({"detail": {"version": [{"prefix": "3"}]}})", false},
    {"PrefixIgnoreCase", R"({"source": [{"prefix": {"equals-ignore-case": "AWS."}}]})", true},
    {"Suffix", R"({"detail": {"clusterArn": [{"suffix": "/default"}]}})", true},
    {"SuffixNot", R"({"detail": {"clusterArn": [{"suffix": "/prod"}]}})", false},
    {"SuffixIgnoreCase", R"({"source": [{"suffix": {"equals-ignore-case": ".ECS"}}]})", true},
    {"EqualsIgnoreCase", R"({"detail": {"lastStatus": [{"equals-ignore-case": "stopped"}]}})",
     true},
    {"EqualsIgnoreCaseNot", R"({"detail": {"lastStatus": [{"equals-ignore-case": "stop"}]}})",
     false},
    {"Wildcard", R"({"resources": [{"wildcard": "arn:aws:ecs:*:task/default/*"}]})", true},
    {"WildcardInfix", R"({"source": [{"wildcard": "aws*ecs"}]})", true},
    {"WildcardNot", R"({"resources": [{"wildcard": "arn:aws:ecs:*:cluster/*"}]})", false},
    {"WildcardNoStar", R"({"source": [{"wildcard": "aws.ecs"}]})", true},
    {"WildcardStarOnly", R"({"source": [{"wildcard": "*"}]})", true},
    {"WildcardOverlap", R"({"x": [{"wildcard": "ab*ba"}]})", false, R"({"x": "aba"})"},
    {"WildcardEscapedStar", R"({"x": [{"wildcard": "a\\*b"}]})", true, R"({"x": "a*b"})"},
    {"WildcardEscapedStarIsLiteral", R"({"x": [{"wildcard": "a\\*b"}]})", false, R"({"x": "axb"})"},
    // anything-but.
    {"AnythingButString", R"({"detail": {"lastStatus": [{"anything-but": "RUNNING"}]}})", true},
    {"AnythingButSame", R"({"detail": {"lastStatus": [{"anything-but": "STOPPED"}]}})", false},
    {"AnythingButList", R"({"detail": {"lastStatus": [{"anything-but": ["RUNNING", "STOPPED"]}]}})",
     false},
    {"AnythingButNumber", R"({"detail": {"version": [{"anything-but": 4}]}})", true},
    {"AnythingButMissing", R"({"detail": {"missing": [{"anything-but": "x"}]}})", false},
    {"AnythingButPrefix", R"({"region": [{"anything-but": {"prefix": "eu-"}}]})", true},
    {"AnythingButPrefixSame", R"({"region": [{"anything-but": {"prefix": "us-"}}]})", false},
    {"AnythingButSuffix",
     R"({"detail": {"clusterArn": [{"anything-but": {"suffix": "/default"}}]}})", false},
    {"AnythingButIgnoreCase",
     R"({"detail": {"lastStatus": [{"anything-but": {"equals-ignore-case": ["stopped"]}}]}})",
     false},
    {"AnythingButWildcard", R"({"source": [{"anything-but": {"wildcard": "aws.*"}}]})", false},
    {"ExitCodeNotZero",
     R"({"detail-type": ["ECS Task State Change"],
         "detail": {"containers": {"exitCode": [{"anything-but": 0}]}}})",
     true},
    {"ExitCodeNotZeroAllZero", R"({"detail": {"containers": {"exitCode": [{"anything-but": 0}]}}})",
     false, R"({"detail": {"containers": [{"exitCode": 0}, {"exitCode": 0}]}})"},
    // exists: on leaves only; false matches a missing field.
    {"Exists", R"({"detail": {"stopCode": [{"exists": true}]}})", true},
    {"ExistsNull", R"({"detail": {"gpu": [{"exists": true}]}})", true},
    {"ExistsMissing", R"({"detail": {"stoppedReason": [{"exists": true}]}})", false},
    {"NotExists", R"({"detail": {"stoppedReason": [{"exists": false}]}})", true},
    {"NotExistsPresent", R"({"detail": {"stopCode": [{"exists": false}]}})", false},
    {"NotExistsParentMissing", R"({"nothing": {"here": [{"exists": false}]}})", true},
    {"NotExistsEmptyArray", R"({"detail": {"attachments": [{"exists": false}]}})", true},
    {"ExistsOnObject", R"({"detail": {"overrides": [{"exists": true}]}})", false},
    {"ExistsInArrayElements", R"({"detail": {"containers": {"exitCode": [{"exists": true}]}}})",
     true},
    {"NotExistsOrValue",
     R"({"detail": {"stopCode": ["EssentialContainerExited", {"exists": false}]}})", true},
    // numeric.
    {"NumericRange", R"({"detail": {"version": [{"numeric": [">", 0, "<=", 5]}]}})", true},
    {"NumericRangeUpperInclusive", R"({"detail": {"version": [{"numeric": [">", 0, "<=", 3]}]}})",
     true},
    {"NumericRangeUpperExclusive", R"({"detail": {"version": [{"numeric": [">", 0, "<", 3]}]}})",
     false},
    {"NumericLowerInclusive", R"({"detail": {"version": [{"numeric": [">=", 3]}]}})", true},
    {"NumericLowerExclusive", R"({"detail": {"version": [{"numeric": [">", 3]}]}})", false},
    {"NumericEquals", R"({"detail": {"version": [{"numeric": ["=", 3]}]}})", true},
    {"NumericLess", R"({"detail": {"version": [{"numeric": ["<", 3.5]}]}})", true},
    {"NumericOnString", R"({"detail": {"cpu": [{"numeric": [">", 0]}]}})", false},
    {"NumericArrayElement", R"({"detail": {"containers": {"exitCode": [{"numeric": [">", 0]}]}}})",
     true},
    {"NumericNegative", R"({"x": [{"numeric": [">=", -1.5, "<", 0]}]})", true, R"({"x": -1})"},
    // $or.
    {"OrTopLevel", R"({"$or": [{"source": ["aws.ec2"]}, {"detail": {"lastStatus": ["STOPPED"]}}]})",
     true},
    {"OrNone", R"({"$or": [{"source": ["aws.ec2"]}, {"region": ["eu-west-1"]}]})", false},
    {"OrNested",
     R"({"source": ["aws.ecs"],
         "detail": {"$or": [{"stopCode": ["TaskFailedToStart"]}, {"version": [{"numeric": [">", 2]}]}]}})",
     true},
    {"OrAndField", R"({"source": ["aws.ec2"], "$or": [{"region": ["us-east-1"]}, {"id": ["x"]}]})",
     false},
    {"OrNotExists", R"({"$or": [{"a": ["x"]}, {"b": [{"exists": false}]}]})", true},
};

INSTANTIATE_TEST_SUITE_P(Cases, EventPatternMatchTest, testing::ValuesIn(kMatchCases),
                         [](const testing::TestParamInfo<MatchCase>& info) {
                           return std::string(info.param.name);
                         });

struct RejectCase {
  const char* name;
  const char* pattern;
  const char* reason;  // a part of the message
};

class EventPatternRejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(EventPatternRejectTest, RefusesWithAMessageNamingTheProblem) {
  const RejectCase& c = GetParam();
  try {
    EventPattern::compile(c.pattern);
    ADD_FAILURE() << "compiled: " << c.pattern;
  } catch (const core::ApiError& error) {
    EXPECT_EQ(error.type(), "InvalidParameterException");
    EXPECT_TRUE(error.message().starts_with("Event pattern is not valid. Reason: "))
        << error.message();
    EXPECT_NE(error.message().find(c.reason), std::string::npos)
        << "message: " << error.message() << "\nexpected to contain: " << c.reason;
  }
}

const RejectCase kRejectCases[] = {
    {"NotJson", R"({"source": [)", "not JSON"},
    {"Empty", "", "not JSON"},
    {"TrailingGarbage", R"({"a": ["x"]} x)", "not JSON"},
    {"NotObject", R"(["aws.ecs"])", "must be a JSON object, not an array"},
    {"String", R"("aws.ecs")", "must be a JSON object, not a string"},
    {"EmptyObject", "{}", "empty objects are not allowed"},
    {"NestedEmptyObject", R"({"detail": {}})", "empty objects are not allowed, at detail"},
    {"LeafString", R"({"source": "aws.ecs"})",
     "\"source\" must be an object or an array of match conditions, not a string, at source"},
    {"LeafNumber", R"({"detail": {"version": 3}})", "not a number, at detail.version"},
    {"LeafNull", R"({"detail": {"gpu": null}})", "not null, at detail.gpu"},
    {"EmptyArray", R"({"detail": {"lastStatus": []}})",
     "empty arrays are not allowed, at detail.lastStatus"},
    {"NestedArray", R"({"source": [["aws.ecs"]]})", "cannot be an array"},
    {"UnknownOperator", R"({"source": [{"contains": "ecs"}]})", "unknown operator \"contains\""},
    {"TwoOperators", R"({"source": [{"prefix": "a", "suffix": "b"}]})", "exactly one operator"},
    {"EmptyOperator", R"({"source": [{}]})", "exactly one operator"},
    {"Cidr", R"({"ip": [{"cidr": "10.0.0.0/24"}]})", "\"cidr\" operator is not supported"},
    {"PrefixNumber", R"({"source": [{"prefix": 3}]})", "\"prefix\" takes a string, not a number"},
    {"PrefixBadObject", R"({"source": [{"prefix": {"wildcard": "a"}}]})",
     "{\"equals-ignore-case\": string}"},
    {"SuffixArray", R"({"source": [{"suffix": ["a"]}]})", "\"suffix\" takes a string"},
    {"IgnoreCaseNumber", R"({"source": [{"equals-ignore-case": 1}]})", "takes a string"},
    {"ExistsString", R"({"source": [{"exists": "true"}]})", "\"exists\" takes true or false"},
    {"WildcardDoubleStar", R"({"source": [{"wildcard": "a**b"}]})", "consecutive stars"},
    {"WildcardBadEscape", R"({"source": [{"wildcard": "a\\b"}]})", "escapes"},
    {"WildcardTrailingBackslash", R"({"source": [{"wildcard": "a\\"}]})", "escapes"},
    {"AnythingButNull", R"({"source": [{"anything-but": null}]})", "strings or numbers, not null"},
    {"AnythingButBoolInList", R"({"source": [{"anything-but": ["a", true]}]})",
     "strings or numbers, not a boolean"},
    {"AnythingButEmptyList", R"({"source": [{"anything-but": []}]})", "empty array"},
    {"AnythingButUnknown", R"({"source": [{"anything-but": {"numeric": [">", 1]}}]})",
     "unknown operator \"numeric\" inside \"anything-but\""},
    {"AnythingButTwoOperators", R"({"source": [{"anything-but": {"prefix": "a", "suffix": "b"}}]})",
     "one of prefix"},
    {"AnythingButPrefixNumber", R"({"source": [{"anything-but": {"prefix": 1}}]})",
     "takes a string"},
    {"NumericNotArray", R"({"v": [{"numeric": 3}]})", "\"numeric\" takes"},
    {"NumericEmpty", R"({"v": [{"numeric": []}]})", "\"numeric\" takes"},
    {"NumericOdd", R"({"v": [{"numeric": [">", 1, "<"]}]})", "\"numeric\" takes"},
    {"NumericUnknownOp", R"({"v": [{"numeric": ["!=", 1]}]})", "\"numeric\" takes"},
    {"NumericStringOperand", R"({"v": [{"numeric": [">", "1"]}]})",
     "compares with numbers, not a string"},
    {"NumericTwoLower", R"({"v": [{"numeric": [">", 1, ">", 2]}]})", "\"numeric\" takes"},
    {"NumericUpperFirst", R"({"v": [{"numeric": ["<", 5, ">", 1]}]})", "\"numeric\" takes"},
    {"NumericEqualsInRange", R"({"v": [{"numeric": ["=", 1, "<", 2]}]})", "\"numeric\" takes"},
    {"NumericEmptyRange", R"({"v": [{"numeric": [">", 5, "<", 5]}]})", "lower bound"},
    {"NumericTooLarge", R"({"v": [{"numeric": [">", 6e9]}]})", "between -5.0e9 and 5.0e9"},
    {"OrNotArray", R"({"$or": {"a": ["x"]}})", "\"$or\" must be a non-empty array"},
    {"OrEmpty", R"({"$or": []})", "\"$or\" must be a non-empty array"},
    {"OrBranchNotObject", R"({"$or": [["x"]]})", "branch must be an object"},
    {"OrBranchInvalid", R"({"detail": {"$or": [{"a": "x"}, {"b": ["y"]}]}})",
     "not a string, at detail.$or.a"},
};

INSTANTIATE_TEST_SUITE_P(Cases, EventPatternRejectTest, testing::ValuesIn(kRejectCases),
                         [](const testing::TestParamInfo<RejectCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(EventPatternTest, CopiesShareTheCompiledTree) {
  EventPattern pattern = EventPattern::compile(R"({"source": ["aws.ecs"]})");
  EventPattern copy = pattern;
  json::object event = json::parse(kTaskStopped).as_object();
  EXPECT_TRUE(copy.matches(event));
  EXPECT_FALSE(copy.matches(json::object{{"source", "aws.ec2"}}));
}

TEST(EventPatternTest, DeepPatternIsRefusedNotOverflowed) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += R"({"a":)";
  EXPECT_THROW(EventPattern::compile(deep), core::ApiError);
}

}  // namespace
}  // namespace gantry::model
