#include "logs/filter_pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace gantry::logs {
namespace {

struct PatternCase {
  std::string pattern;
  std::vector<std::string> matching;
  std::vector<std::string> not_matching;
};

class FilterPatternTable : public ::testing::TestWithParam<PatternCase> {};

TEST_P(FilterPatternTable, MatchesExactlyTheLinesItShould) {
  const PatternCase& c = GetParam();
  FilterPattern pattern = FilterPattern::compile(c.pattern);
  for (const std::string& line : c.matching) {
    EXPECT_TRUE(pattern.matches(line)) << "pattern " << c.pattern << " on: " << line;
  }
  for (const std::string& line : c.not_matching) {
    EXPECT_FALSE(pattern.matches(line)) << "pattern " << c.pattern << " on: " << line;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Terms, FilterPatternTable,
    ::testing::Values(
        PatternCase{"", {"anything", "", "{}"}, {}},
        PatternCase{"ERROR", {"ERROR x", "[ERROR] y", "an ERROR"}, {"error", "WARN", ""}},
        PatternCase{"ERROR disk", {"ERROR: disk full", "disk ERROR"}, {"ERROR only", "disk only"}},
        PatternCase{"?ERROR ?WARN", {"ERROR a", "WARN b", "WARN ERROR"}, {"INFO c", "DEBUG"}},
        PatternCase{"-DEBUG", {"INFO a", "ERROR b", ""}, {"DEBUG c", "x DEBUG y"}},
        PatternCase{"ERROR -timeout", {"ERROR disk"}, {"ERROR timeout", "INFO"}},
        PatternCase{"?ERROR ?WARN -DEBUG", {"ERROR", "WARN x"}, {"ERROR DEBUG", "INFO"}},
        PatternCase{"\"disk full\"", {"the disk full now"}, {"disk is full", "full disk"}},
        PatternCase{"-\"not found\" GET", {"GET /a 200"}, {"GET /b not found", "POST"}},
        PatternCase{"?\"a b\" ?c", {"x a b", "c"}, {"a x b"}},
        PatternCase{"\"say \\\"hi\\\"\"", {"they say \"hi\""}, {"say hi"}}));

INSTANTIATE_TEST_SUITE_P(
    Json, FilterPatternTable,
    ::testing::Values(
        PatternCase{R"({ $.level = "error" })",
                    {R"({"level":"error"})", R"(  {"level":"error","x":1})"},
                    {R"({"level":"info"})", R"({"lvl":"error"})", "level = error", R"(["error"])",
                     R"({"level":"error")"}},
        PatternCase{R"({ $.level = error })", {R"({"level":"error"})"}, {R"({"level":"errors"})"}},
        PatternCase{R"({ $.latency > 500 })",
                    {R"({"latency":501})", R"({"latency":1e3})", R"({"latency":500.5})"},
                    {R"({"latency":500})", R"({"latency":"900"})", R"({})"}},
        PatternCase{R"({ $.latency >= 500 && $.latency <= 600 })",
                    {R"({"latency":500})", R"({"latency":600})"},
                    {R"({"latency":499})", R"({"latency":601})"}},
        PatternCase{R"({ $.code < 0 || $.code != 0 })",
                    {R"({"code":-1})", R"({"code":3})"},
                    {R"({"code":0})", R"({})"}},
        PatternCase{R"({ $.level = "error" && $.latency > 500 })",
                    {R"({"level":"error","latency":900})"},
                    {R"({"level":"error","latency":100})", R"({"level":"info","latency":900})"}},
        PatternCase{R"({ ($.a = 1 || $.b = 2) && $.c = 3 })",
                    {R"({"a":1,"c":3})", R"({"b":2,"c":3})"},
                    {R"({"a":1})", R"({"a":2,"b":1,"c":3})"}},
        PatternCase{R"({ $.a = 1 || $.b = 2 && $.c = 3 })",
                    {R"({"a":1})", R"({"b":2,"c":3})"},
                    {R"({"b":2})"}},
        PatternCase{R"({ $.user.name = "al*" })",
                    {R"({"user":{"name":"alice"}})", R"({"user":{"name":"al"}})"},
                    {R"({"user":{"name":"bob"}})", R"({"user":"alice"})"}},
        PatternCase{R"({ $.path = "*/health" })",
                    {R"({"path":"/api/health"})"},
                    {R"({"path":"/api/healthz"})"}},
        PatternCase{R"({ $.items[1].id = "b" })",
                    {R"({"items":[{"id":"a"},{"id":"b"}]})"},
                    {R"({"items":[{"id":"b"}]})"}},
        PatternCase{R"({ $.level != "debug" })",
                    {R"({"level":"info"})"},
                    {R"({"level":"debug"})", R"({})"}},
        PatternCase{R"({ $.error IS NULL })", {R"({"error":null})"}, {R"({"error":"x"})", R"({})"}},
        PatternCase{R"({ $.error NOT EXISTS })",
                    {R"({})", R"({"other":null})"},
                    {R"({"error":null})", R"({"error":1})"}},
        PatternCase{R"({ $.ok IS TRUE })", {R"({"ok":true})"}, {R"({"ok":false})", R"({"ok":1})"}},
        PatternCase{R"({ $.ok IS FALSE })", {R"({"ok":false})"}, {R"({"ok":true})"}},
        PatternCase{R"({$.n=1})", {R"({"n":1})", R"({"n":1.0})"}, {R"({"n":"1"})"}}));

TEST(FilterPatternTest, RefusesPatternsThatDoNotParse) {
  for (const char* bad :
       {"{", "{ }", "{ $.a }", "{ $.a = }", "{ $.a > \"x\" }", "{ level = 1 }", "{ $.a = 1 && }",
        "{ ($.a = 1 }", "{ $.a = 1 } tail", "{ $.a IS 3 }", "{ $.a NOT THERE }", "{ $. = 1 }",
        "{ $.a[x] = 1 }", "\"unterminated", "? x", "[ip, user]", "{ $.a = \"open }"}) {
    try {
      FilterPattern::compile(bad);
      ADD_FAILURE() << "compiled: " << bad;
    } catch (const core::ApiError& error) {
      EXPECT_EQ(error.type(), "InvalidParameterException") << bad;
    }
  }
}

TEST(FilterPatternTest, DeepNestingIsRefusedNotOverflowed) {
  std::string deep = "{ " + std::string(10'000, '(') + "$.a = 1" + std::string(10'000, ')') + " }";
  EXPECT_THROW(FilterPattern::compile(deep), core::ApiError);
}

}  // namespace
}  // namespace gantry::logs
