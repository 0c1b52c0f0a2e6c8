// single_file_tar: the archive the pause image is imported from, checked by
// the system's tar, which is what judges whether it is a tar at all.
#include "agent/docker/pause_image.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "store/temp_dir.h"

namespace gantry::agent::docker {
namespace {

namespace fs = std::filesystem;
using store::test_support::TempDir;

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

class SingleFileTarTest : public ::testing::Test {
 protected:
  // Writes the archive and returns its path.
  std::string write(const std::string& tar) {
    const auto path = dir_.file("image.tar");
    std::ofstream(path, std::ios::binary) << tar;
    return path;
  }

  TempDir dir_;
};

// Every byte value, and more than one 512-byte block.
std::string binary_content(std::size_t size) {
  std::string content(size, '\0');
  for (std::size_t i = 0; i < size; ++i) content[i] = static_cast<char>((i * 7 + 3) % 256);
  return content;
}

TEST_F(SingleFileTarTest, TarExtractsTheContentBack) {
  const auto content = binary_content(1500);
  const auto tar = single_file_tar("pause", content);
  const auto result = run("tar -xOf " + write(tar) + " pause");
  ASSERT_EQ(result.status, 0);
  EXPECT_EQ(result.output, content);
}

TEST_F(SingleFileTarTest, ListsOneExecutableFileOwnedByRoot) {
  const auto tar = single_file_tar("pause", "#!/bin/sh\n");
  const auto listing = run("tar --numeric-owner -tvf " + write(tar));
  ASSERT_EQ(listing.status, 0);
  // "-rwxr-xr-x 0/0 10 1970-01-01 00:00 pause"
  EXPECT_TRUE(listing.output.starts_with("-rwxr-xr-x 0/0 ")) << listing.output;
  EXPECT_TRUE(listing.output.ends_with(" pause\n")) << listing.output;
  EXPECT_NE(listing.output.find(" 10 "), std::string::npos) << listing.output;
  EXPECT_EQ(std::count(listing.output.begin(), listing.output.end(), '\n'), 1);
}

TEST_F(SingleFileTarTest, ExtractedFileHasMode0755) {
  const auto tar = single_file_tar("pause", "x");
  const auto out = dir_.file("out");
  fs::create_directory(out);
  ASSERT_EQ(run("tar -xpf " + write(tar) + " -C " + out).status, 0);
  const auto perms = fs::status(out + "/pause").permissions();
  EXPECT_EQ(perms & fs::perms::mask, static_cast<fs::perms>(0755));
  std::ifstream in(out + "/pause");
  std::string read((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(read, "x");
}

TEST_F(SingleFileTarTest, IsAWholeNumberOfBlocksEndedByTwoEmptyOnes) {
  for (std::size_t size : {0u, 1u, 511u, 512u, 513u, 4096u}) {
    const auto tar = single_file_tar("pause", binary_content(size));
    EXPECT_EQ(tar.size() % 512, 0u) << size;
    // A header, the content rounded up to blocks, two empty blocks.
    EXPECT_EQ(tar.size(), 512 + (size + 511) / 512 * 512 + 1024) << size;
    EXPECT_EQ(tar.substr(tar.size() - 1024), std::string(1024, '\0')) << size;
    const auto result = run("tar -xOf " + write(tar) + " pause");
    ASSERT_EQ(result.status, 0) << size;
    EXPECT_EQ(result.output, binary_content(size)) << size;
  }
}

TEST_F(SingleFileTarTest, HeaderChecksumIsRight) {
  auto tar = single_file_tar("pause", "content");
  std::string header = tar.substr(0, 512);
  EXPECT_EQ(header.substr(257, 6), std::string("ustar\0", 6));
  const unsigned long recorded = std::stoul(header.substr(148, 6), nullptr, 8);
  std::fill(header.begin() + 148, header.begin() + 156, ' ');
  unsigned long sum = 0;
  for (unsigned char c : header) sum += c;
  EXPECT_EQ(recorded, sum);
  // A corrupted header is refused, so the check above means something to tar.
  tar[0] = 'q';
  EXPECT_NE(run("tar -tf " + write(tar)).status, 0);
}

}  // namespace
}  // namespace gantry::agent::docker
