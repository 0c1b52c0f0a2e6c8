// LogEventBuilder cuts lines into events as Docker's awslogs driver does.
#include "agent/logs/log_event_builder.h"

#include <gtest/gtest.h>

namespace gantry::agent {
namespace {

std::vector<std::string> messages(const std::vector<LogEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.message);
  return out;
}

TEST(LogEventBuilder, EveryLineIsAnEventWithoutAPattern) {
  LogEventBuilder builder(1, std::nullopt);
  std::vector<LogEvent> events;
  builder.add_line("one", 10, {4, 0}, events);
  builder.add_line("two", 11, {8, 0}, events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message, "one");
  EXPECT_EQ(events[0].timestamp_ms, 10);
  EXPECT_EQ(events[0].channel, 1);
  EXPECT_EQ(events[1].end, (LogCursor{8, 0}));
  EXPECT_FALSE(builder.gathering_since());
}

TEST(LogEventBuilder, AMultilinePatternGathersTheLinesThatDoNotMatch) {
  LogEventBuilder builder(0, multiline_pattern("INFO|ERROR"));
  std::vector<LogEvent> events;
  builder.add_line("INFO start", 1, {1, 0}, events);
  builder.add_line("ERROR boom", 2, {2, 0}, events);
  builder.add_line("  at a", 3, {3, 0}, events);
  builder.add_line("  at b", 4, {4, 0}, events);
  EXPECT_EQ(messages(events), std::vector<std::string>{"INFO start\n"});
  EXPECT_EQ(builder.gathering_since(), 2);
  builder.add_line("INFO next", 5, {5, 0}, events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].message, "ERROR boom\n  at a\n  at b\n");
  EXPECT_EQ(events[1].timestamp_ms, 2);  // its first line's
  EXPECT_EQ(events[1].end, (LogCursor{4, 0}));
  builder.flush(events);
  EXPECT_EQ(events.back().message, "INFO next\n");
  EXPECT_FALSE(builder.gathering_since());
}

TEST(LogEventBuilder, TheMultilinePatternIsAnchoredAtTheStart) {
  LogEventBuilder builder(0, multiline_pattern("INFO"));
  std::vector<LogEvent> events;
  builder.add_line("INFO a", 1, {1, 0}, events);
  builder.add_line("not INFO", 2, {2, 0}, events);
  builder.flush(events);
  EXPECT_EQ(messages(events), std::vector<std::string>{"INFO a\nnot INFO\n"});
}

TEST(LogEventBuilder, ADatetimeFormatStartsAnEventAtEachTimestampedLine) {
  // Docker's documented example: the format is a regular expression too.
  LogEventBuilder builder(0, datetime_format_pattern("\\[%b %d, %Y %H:%M:%S\\]"));
  std::vector<LogEvent> events;
  builder.add_line("[May 01, 2017 19:00:01] A message was logged", 1, {1, 0}, events);
  builder.add_line("Traceback: line 1", 2, {2, 0}, events);
  builder.add_line("[May 01, 2017 19:00:04] Another", 3, {3, 0}, events);
  builder.flush(events);
  EXPECT_EQ(messages(events),
            (std::vector<std::string>{"[May 01, 2017 19:00:01] A message was logged\n"
                                      "Traceback: line 1\n",
                                      "[May 01, 2017 19:00:04] Another\n"}));
}

TEST(LogEventBuilder, DatetimeDirectivesMatchWhatDockerMatches) {
  const auto iso = datetime_format_pattern("%Y-%m-%dT%H:%M:%S%z");
  EXPECT_TRUE(
      std::regex_search("2026-12-04T05:12:23+0000 x", iso, std::regex_constants::match_continuous));
  EXPECT_FALSE(
      std::regex_search("2026-13-04T05:12:23+0000", iso, std::regex_constants::match_continuous));
  EXPECT_FALSE(
      std::regex_search("x 2026-12-04T05:12:23+0000", iso, std::regex_constants::match_continuous));
}

TEST(LogEventBuilder, ALineOverTheEventLimitIsCutAndOnlyItsLastPieceCompletesIt) {
  LogEventBuilder builder(0, std::nullopt);
  std::vector<LogEvent> events;
  const std::string line(kMaxEventMessageBytes * 2 + 5, 'x');
  builder.add_line(line, 1, {9, 0}, events);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].message.size(), kMaxEventMessageBytes);
  EXPECT_EQ(events[2].message.size(), 5u);
  EXPECT_FALSE(events[0].completes_line);
  EXPECT_FALSE(events[1].completes_line);
  EXPECT_TRUE(events[2].completes_line);
}

TEST(LogEventBuilder, ACutNeverSplitsACharacter) {
  LogEventBuilder builder(0, std::nullopt);
  std::vector<LogEvent> events;
  std::string line(kMaxEventMessageBytes - 1, 'x');
  line += "\xC3\xA9";  // é straddles the limit
  builder.add_line(line, 1, {1, 0}, events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message.size(), kMaxEventMessageBytes - 1);
  EXPECT_EQ(events[1].message, "\xC3\xA9");
}

TEST(ValidUtf8, ReplacesInvalidSequencesAndKeepsValidOnes) {
  EXPECT_EQ(valid_utf8("plain"), "plain");
  EXPECT_EQ(valid_utf8("caf\xC3\xA9 \xF0\x9F\x9A\x80"), "caf\xC3\xA9 \xF0\x9F\x9A\x80");
  EXPECT_EQ(valid_utf8("a\xFFz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(valid_utf8("\xC3"), "\xEF\xBF\xBD");                                  // truncated
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

}  // namespace
}  // namespace gantry::agent
