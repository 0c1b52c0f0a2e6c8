// `gantry events`: its options, the StreamEvents request body, and the
// reassembly of the newline-delimited stream from arbitrary pieces.
#include "cli/events_command.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"

namespace gantry::cli {
namespace {

namespace json = boost::json;

std::vector<std::string> lines_of(const std::vector<std::string_view>& pieces) {
  NdjsonLines lines;
  std::vector<std::string> out;
  auto collect = [&out](std::string_view line) {
    out.emplace_back(line);
    return true;
  };
  for (std::string_view piece : pieces) EXPECT_TRUE(lines.feed(piece, collect));
  EXPECT_TRUE(lines.finish(collect));
  return out;
}

TEST(EventsCommandTest, LinesAreTheSameWhereverTheBodyIsCut) {
  const std::string body =
      "{\"revision\":1,\"a\":\"x\"}\n{}\n\n{\"revision\":2}\r\n{\"revision\":3}\n";
  const std::vector<std::string> expected = {"{\"revision\":1,\"a\":\"x\"}", "{}",
                                             "{\"revision\":2}", "{\"revision\":3}"};
  EXPECT_EQ(lines_of({body}), expected);
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    for (size_t second = cut; second <= body.size(); ++second) {
      std::string_view all(body);
      EXPECT_EQ(lines_of({all.substr(0, cut), all.substr(cut, second - cut), all.substr(second)}),
                expected)
          << "cut at " << cut << " and " << second;
    }
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < body.size(); ++i) bytes.push_back(std::string_view(body).substr(i, 1));
  EXPECT_EQ(lines_of(bytes), expected);
}

TEST(EventsCommandTest, AnUnterminatedLastLineComesAtTheEnd) {
  NdjsonLines lines;
  std::vector<std::string> out;
  auto collect = [&out](std::string_view line) {
    out.emplace_back(line);
    return true;
  };
  EXPECT_TRUE(lines.feed("{\"revision\":1}\n{\"rev", collect));
  EXPECT_EQ(out, std::vector<std::string>{"{\"revision\":1}"});
  EXPECT_TRUE(lines.feed("ision\":2}", collect));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(lines.finish(collect));
  EXPECT_EQ(out, (std::vector<std::string>{"{\"revision\":1}", "{\"revision\":2}"}));
  EXPECT_TRUE(lines.finish(collect));
  EXPECT_EQ(out.size(), 2u);
}

TEST(EventsCommandTest, FeedingStopsWhenTheReaderDoes) {
  NdjsonLines lines;
  int seen = 0;
  EXPECT_FALSE(lines.feed("a\nb\nc\n", [&seen](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

TEST(EventsCommandTest, AnEndlessLineIsRefused) {
  NdjsonLines lines;
  const std::string piece(1024 * 1024, 'x');
  auto never = [](std::string_view) {
    ADD_FAILURE() << "no line ended";
    return true;
  };
  EXPECT_THROW(
      {
        for (size_t fed = 0; fed <= NdjsonLines::kMaxLine; fed += piece.size()) {
          lines.feed(piece, never);
        }
      },
      std::runtime_error);
}

TEST(EventsCommandTest, HeartbeatsAreEmptyObjects) {
  struct Case {
    std::string_view line;
    bool heartbeat;
  } cases[] = {
      {"{}", true},    {" { } ", true}, {"{}\r", true}, {"{\"revision\":1}", false},
      {"{}{}", false}, {"[]", false},   {"{", false},   {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(is_heartbeat(c.line), c.heartbeat) << c.line;
}

TEST(EventsCommandTest, ErrorAnswersAreNamedAsTheAwsCliNamesThem) {
  struct Case {
    unsigned status;
    std::string_view body;
    std::string expected;
  } cases[] = {
      {400, R"({"__type":"InvalidParameterException","message":"Event pattern is not valid."})",
       "InvalidParameterException: Event pattern is not valid."},
      {400, R"({"__type":"com.amazonaws.ecs#ClientException","Message":"no"})",
       "ClientException: no"},
      {403, R"({"__type":"UnrecognizedClientException"})", "UnrecognizedClientException: "},
      {502, "Bad Gateway", "HTTP 502: Bad Gateway"},
      {500, "", "HTTP 500"},
      {404, R"({"message":"x"})", "HTTP 404: {\"message\":\"x\"}"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_answer(c.status, c.body), c.expected) << c.body;
}

TEST(EventsCommandTest, RequestBodyCarriesOnlyWhatWasGiven) {
  struct Case {
    bool follow;
    std::optional<std::string> pattern;
    std::optional<uint64_t> from_revision;
    std::string expected;
  } cases[] = {
      {false, std::nullopt, std::nullopt, R"({"follow":false})"},
      {true, std::nullopt, std::nullopt, R"({"follow":true})"},
      {true, R"({"detail": {"lastStatus": ["STOPPED"]}})", 42,
       R"({"follow":true,"eventPattern":"{\"detail\": {\"lastStatus\": [\"STOPPED\"]}}","fromRevision":42})"},
      {false, std::nullopt, 0, R"({"follow":false,"fromRevision":0})"},
  };
  for (const auto& c : cases) {
    EventsCommandOptions options;
    options.follow = c.follow;
    options.pattern = c.pattern;
    options.from_revision = c.from_revision;
    EXPECT_EQ(json::parse(stream_events_body(options)), json::parse(c.expected)) << c.expected;
  }
}

TEST(EventsCommandTest, AnInvalidPatternIsRefusedBeforeSending) {
  EventsCommandOptions options;
  for (const char* pattern : {"", "{\"source\": \"aws.ecs\"}", "[\"x\"]", "{\"a\": []}"}) {
    options.pattern = pattern;
    try {
      stream_events_body(options);
      ADD_FAILURE() << "sent: " << pattern;
    } catch (const core::ApiError& error) {
      EXPECT_EQ(error.type(), "InvalidParameterException");
      EXPECT_TRUE(error.message().starts_with("Event pattern is not valid.")) << error.message();
    }
  }
}

TEST(EventsCommandTest, OptionsAndTheirDefaults) {
  {
    CLI::App app;
    EventsCommandOptions options;
    add_events_command(app, options);
    app.parse(std::vector<std::string>{"events"});  // CLI11 takes them last to first
    EXPECT_EQ(options.client.endpoint, "http://127.0.0.1:8246");
    EXPECT_EQ(options.client.region, "us-east-1");
    EXPECT_TRUE(options.client.credentials_file.empty());
    EXPECT_FALSE(options.follow);
    EXPECT_FALSE(options.pattern);
    EXPECT_FALSE(options.from_revision);
  }
  {
    CLI::App app;
    EventsCommandOptions options;
    add_events_command(app, options);
    app.parse(std::vector<std::string>{"7", "--from-revision", "{}", "--pattern", "-f", "eu-west-1",
                                       "--region", "http://h:1", "--endpoint", "events"});
    EXPECT_EQ(options.client.endpoint, "http://h:1");
    EXPECT_EQ(options.client.region, "eu-west-1");
    EXPECT_TRUE(options.follow);
    EXPECT_EQ(options.pattern, "{}");
    EXPECT_EQ(options.from_revision, 7u);
  }
  {
    CLI::App app;
    EventsCommandOptions options;
    add_events_command(app, options);
    EXPECT_THROW(app.parse(std::vector<std::string>{"-1", "--from-revision", "events"}),
                 CLI::ParseError);
  }
}

}  // namespace
}  // namespace gantry::cli
