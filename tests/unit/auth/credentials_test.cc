#include "auth/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace gantry::auth {
namespace {

namespace fs = std::filesystem;

class CredentialsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("gantry-credentials-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& content) {
    std::string path = (dir_ / "credentials").string();
    std::ofstream(path) << content;
    return path;
  }

  // The message of the runtime_error that loading `content` throws.
  std::string load_error(const std::string& content) {
    std::string path = write(content);
    try {
      Credentials::load(path);
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    ADD_FAILURE() << "loaded without error:\n" << content;
    return "";
  }

  fs::path dir_;
};

TEST_F(CredentialsTest, ParsesProfilesCommentsAndWhitespace) {
  Credentials credentials =
      Credentials::load(write("# operator keys\n"
                              "\n"
                              "[gantry]\n"
                              "  aws_access_key_id   =  GKIAFIRST  \n"
                              "aws_secret_access_key=first/secret+1\n"
                              "; a comment\n"
                              "[ci]\r\n"
                              "region = us-east-1\r\n"
                              "aws_secret_access_key = second-secret\r\n"
                              "aws_access_key_id = GKIASECOND\r\n"
                              "[incomplete]\n"
                              "aws_access_key_id = GKIANOSECRET\n"));
  EXPECT_FALSE(credentials.empty());
  EXPECT_EQ(credentials.secret_for("GKIAFIRST"), "first/secret+1");
  EXPECT_EQ(credentials.secret_for("GKIASECOND"), "second-secret");
  EXPECT_EQ(credentials.secret_for("GKIANOSECRET"), std::nullopt);
  EXPECT_EQ(credentials.secret_for("gkiafirst"), std::nullopt);
  EXPECT_EQ(credentials.first_key(),
            std::make_pair(std::string("GKIAFIRST"), std::string("first/secret+1")));
}

TEST_F(CredentialsTest, EmptyFileHasNoKeys) {
  EXPECT_TRUE(Credentials::load(write("# nothing here\n\n")).empty());
}

TEST_F(CredentialsTest, MalformedLinesNameFileAndLine) {
  std::string path = (dir_ / "credentials").string();
  EXPECT_EQ(load_error("[gantry]\naws_access_key_id = A\njust words\n"),
            path + ":3: expected '[profile]', 'key = value' or a comment");
  EXPECT_EQ(load_error("\naws_access_key_id = A\n"),
            path + ":2: 'key = value' before any [profile] section");
  EXPECT_EQ(load_error("[gantry\n"), path + ":1: a section header must end with ']'");
  EXPECT_EQ(load_error("# c\n[ ]\n"), path + ":2: a section needs a name");
  EXPECT_EQ(load_error("[a]\n = value\n"), path + ":2: a key is missing before '='");
  EXPECT_EQ(load_error("[a]\naws_access_key_id=K\naws_secret_access_key=1\n"
                       "[b]\naws_access_key_id=K\naws_secret_access_key=2\n"),
            path + ":4: access key K appears twice with different secrets");
}

TEST_F(CredentialsTest, MissingFileIsAnError) {
  EXPECT_THROW(Credentials::load((dir_ / "absent").string()), std::runtime_error);
}

TEST_F(CredentialsTest, LoadOrCreateWritesAPrivateFileAndReloadsTheSameKey) {
  std::string path = (dir_ / "nested" / "deeper" / "credentials").string();
  auto random = core::make_seeded_random(1);
  Credentials created = Credentials::load_or_create(path, *random);

  auto [id, secret] = created.first_key();
  EXPECT_TRUE(std::regex_match(id, std::regex("GKIA[A-Z0-9]{16}"))) << id;
  EXPECT_TRUE(std::regex_match(secret, std::regex("[A-Za-z0-9]{40}"))) << secret;
  EXPECT_EQ(created.secret_for(id), secret);

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(fs::path(path).parent_path()), fs::directory_iterator()),
      1);  // no temporary file left behind

  // A second start keeps the file: another generator would give another key.
  auto other = core::make_seeded_random(2);
  Credentials reloaded = Credentials::load_or_create(path, *other);
  EXPECT_EQ(reloaded.first_key(), created.first_key());
  EXPECT_EQ(Credentials::load(path).first_key(), created.first_key());
}

TEST_F(CredentialsTest, SeededRandomGivesADeterministicKey) {
  auto first = core::make_seeded_random(42);
  auto second = core::make_seeded_random(42);
  auto third = core::make_seeded_random(43);
  auto a = Credentials::load_or_create((dir_ / "a").string(), *first).first_key();
  auto b = Credentials::load_or_create((dir_ / "b").string(), *second).first_key();
  auto c = Credentials::load_or_create((dir_ / "c").string(), *third).first_key();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(CredentialsTest, WrittenFileIsReadableByTheAwsLayout) {
  auto random = core::make_seeded_random(5);
  std::string path = (dir_ / "credentials").string();
  auto [id, secret] = Credentials::load_or_create(path, *random).first_key();
  std::ifstream file(path);
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("[gantry]\naws_access_key_id = " + id +
                         "\naws_secret_access_key = " + secret + "\n"),
            std::string::npos)
      << content;
}

}  // namespace
}  // namespace gantry::auth
