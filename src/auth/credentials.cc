#include "auth/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace gantry::auth {
namespace {

constexpr std::string_view kAccessKeyId = "aws_access_key_id";
constexpr std::string_view kSecretAccessKey = "aws_secret_access_key";

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

[[noreturn]] void malformed(const std::string& path, size_t line, const std::string& why) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + why);
}

std::string system_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Writes `content` to `path` with mode 0600 so that a reader sees either no
// file or the whole file: a temporary file beside it, synced, then renamed.
void write_private_file(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(system_error("cannot create", temp));
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string message = system_error("cannot write", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      throw std::runtime_error(message);
    }
    written += static_cast<size_t>(n);
  }
  // fchmod: a stale temporary file would keep its old mode through O_CREAT.
  bool ok = ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(temp.c_str(), path.c_str()) == 0;
  if (!ok) {
    std::string message = system_error("cannot write", path);
    ::unlink(temp.c_str());
    throw std::runtime_error(message);
  }
}

}  // namespace

Credentials Credentials::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read credentials file " + path);

  struct Profile {
    std::string name;
    size_t line = 0;
    std::string access_key_id;
    std::string secret;
  };
  Credentials credentials;
  bool have_first = false;
  auto finish = [&](const Profile& profile) {
    if (profile.access_key_id.empty() || profile.secret.empty()) return;
    auto [it, inserted] = credentials.secrets_.emplace(profile.access_key_id, profile.secret);
    if (!inserted && it->second != profile.secret)
      malformed(path, profile.line,
                "access key " + profile.access_key_id + " appears twice with different secrets");
    if (!have_first) credentials.first_ = {profile.access_key_id, profile.secret};
    have_first = true;
  };

  std::optional<Profile> profile;
  std::string raw;
  for (size_t number = 1; std::getline(file, raw); ++number) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') malformed(path, number, "a section header must end with ']'");
      std::string_view name = trim(line.substr(1, line.size() - 2));
      if (name.empty()) malformed(path, number, "a section needs a name");
      if (profile) finish(*profile);
      profile = Profile{std::string(name), number, {}, {}};
      continue;
    }
    size_t equals = line.find('=');
    if (equals == std::string_view::npos)
      malformed(path, number, "expected '[profile]', 'key = value' or a comment");
    if (!profile) malformed(path, number, "'key = value' before any [profile] section");
    std::string_view key = trim(line.substr(0, equals));
    std::string_view value = trim(line.substr(equals + 1));
    if (key.empty()) malformed(path, number, "a key is missing before '='");
    if (key == kAccessKeyId) profile->access_key_id = value;
    if (key == kSecretAccessKey) profile->secret = value;
  }
  if (file.bad()) throw std::runtime_error("cannot read credentials file " + path);
  if (profile) finish(*profile);
  return credentials;
}

Credentials Credentials::load_or_create(const std::string& path, core::Random& random) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, error);
      if (error)
        throw std::runtime_error("cannot create directory " + parent.string() + ": " +
                                 error.message());
    }
    // "GKIA" marks gantry's keys the way "AKIA" marks AWS's.
    std::string access_key_id = "GKIA" + random.token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    std::string secret = random.token(40);
    std::ostringstream content;
    content << "# Access keys that gantry accepts. Every profile is one key.\n"
            << "[gantry]\n"
            << kAccessKeyId << " = " << access_key_id << "\n"
            << kSecretAccessKey << " = " << secret << "\n";
    write_private_file(path, content.str());
  }
  return load(path);
}

std::optional<std::string> Credentials::secret_for(const std::string& access_key_id) const {
  auto it = secrets_.find(access_key_id);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

std::pair<std::string, std::string> Credentials::first_key() const { return first_; }

}  // namespace gantry::auth
