// FileLogSource reads the process driver's files by offset: complete lines
// only until the container has gone, resumable where shipping stopped.
#include "agent/logs/file_log_source.h"

#include <gtest/gtest.h>

#include <fstream>

namespace gantry::agent {
namespace {

std::filesystem::path fresh_dir() {
  char dir[] = "/tmp/gantry-file-log-source-test-XXXXXX";
  return mkdtemp(dir);
}

void append(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

std::vector<std::string> texts(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(std::to_string(l.channel) + ":" + l.text);
  return out;
}

TEST(FileLogSource, ReadsCompleteLinesOfBothFilesWithTheirOffsets) {
  const auto dir = fresh_dir();
  append(dir / "stdout.log", "one\ntwo\npart");
  append(dir / "stderr.log", "err\n");
  FileLogSource source(dir);
  std::vector<LogLine> lines;
  source.read(lines, 42, 1 << 20);
  EXPECT_EQ(texts(lines), (std::vector<std::string>{"0:one", "0:two", "1:err"}));
  EXPECT_EQ(lines[1].end, (LogCursor{8, 0}));
  EXPECT_EQ(lines[2].end, (LogCursor{4, 0}));
  EXPECT_EQ(lines[0].timestamp_ms, 42);

  lines.clear();
  append(dir / "stdout.log", "ial\n");
  source.read(lines, 43, 1 << 20);
  EXPECT_EQ(texts(lines), std::vector<std::string>{"0:partial"});
  EXPECT_EQ(lines[0].end, (LogCursor{16, 0}));
  EXPECT_FALSE(source.exhausted());
}

TEST(FileLogSource, ResumesAtTheCursorShipped) {
  const auto dir = fresh_dir();
  append(dir / "stdout.log", "one\ntwo\n");
  FileLogSource source(dir);
  source.resume(0, {4, 0});
  std::vector<LogLine> lines;
  source.read(lines, 1, 1 << 20);
  EXPECT_EQ(texts(lines), std::vector<std::string>{"0:two"});
}

TEST(FileLogSource, OnceFinishedItReadsTheLastLineWithoutANewlineAndEnds) {
  const auto dir = fresh_dir();
  append(dir / "stdout.log", "one\nlast");
  FileLogSource source(dir);
  std::vector<LogLine> lines;
  source.read(lines, 1, 1 << 20);
  EXPECT_EQ(texts(lines), std::vector<std::string>{"0:one"});
  source.finish();
  EXPECT_FALSE(source.exhausted());
  source.read(lines, 2, 1 << 20);
  EXPECT_EQ(texts(lines), (std::vector<std::string>{"0:one", "0:last"}));
  EXPECT_TRUE(source.exhausted());
}

TEST(FileLogSource, MissingFilesAreEmptyAndABudgetLeavesTheRestForLater) {
  const auto dir = fresh_dir();
  FileLogSource source(dir);
  std::vector<LogLine> lines;
  source.read(lines, 1, 1 << 20);
  EXPECT_TRUE(lines.empty());
  std::string many;
  for (int i = 0; i < 100'000; ++i) many += "line " + std::to_string(i) + "\n";
  append(dir / "stdout.log", many);
  source.finish();
  source.read(lines, 1, 1024);  // less than the file: the rest stays
  EXPECT_FALSE(source.exhausted());
  size_t guard = 0;
  while (!source.exhausted() && ++guard < 1000) source.read(lines, 1, 1 << 16);
  ASSERT_EQ(lines.size(), 100'000u);
  EXPECT_EQ(lines.back().text, "line 99999");
}

TEST(FileLogSource, ALineLongerThanAnEventIsReadInPieces) {
  const auto dir = fresh_dir();
  append(dir / "stdout.log", std::string(kMaxEventMessageBytes * 3, 'x'));
  FileLogSource source(dir);
  std::vector<LogLine> lines;
  source.read(lines, 1, 8 << 20);
  ASSERT_FALSE(lines.empty());  // held whole it would never end
  EXPECT_GE(lines[0].text.size(), kMaxEventMessageBytes);
}

}  // namespace
}  // namespace gantry::agent
