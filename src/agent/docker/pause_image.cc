#include "agent/docker/pause_image.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gantry::agent::docker {

namespace {

// gantry-pause lies next to the running gantry binary.
std::filesystem::path pause_program() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the gantry binary: " + ec.message());
  return self.parent_path() / "gantry-pause";
}

void octal(char* field, std::size_t width, unsigned long value) {
  std::snprintf(field, width, "%0*lo", static_cast<int>(width - 1), value);
}

}  // namespace

std::string single_file_tar(std::string_view name, std::string_view content) {
  char header[512] = {};
  std::memcpy(header, name.data(), std::min<std::size_t>(name.size(), 99));
  octal(header + 100, 8, 0755);                // mode
  octal(header + 108, 8, 0);                   // uid
  octal(header + 116, 8, 0);                   // gid
  octal(header + 124, 12, content.size());     // size
  octal(header + 136, 12, 0);                  // mtime
  header[156] = '0';                           // a regular file
  std::memcpy(header + 257, "ustar\0" "00", 8);
  std::memset(header + 148, ' ', 8);           // the checksum counts itself as spaces
  unsigned long sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06lo", sum);
  std::string tar(header, sizeof header);
  tar.append(content);
  tar.append((512 - content.size() % 512) % 512, '\0');
  tar.append(1024, '\0');  // two empty blocks end the archive
  return tar;
}

void ensure_pause_image(DockerClient& client) {
  if (client.inspect_image(kPauseImage)) return;
  const auto program = pause_program();
  std::ifstream in(program, std::ios::binary);
  if (!in) {
    throw std::runtime_error("the awsvpc network mode needs " + program.string() +
                             " (built with gantry), which is missing");
  }
  std::stringstream content;
  content << in.rdbuf();
  const std::string image(kPauseImage);
  const auto colon = image.rfind(':');
  client.import_image(image.substr(0, colon), image.substr(colon + 1),
                      single_file_tar("pause", content.str()), {R"(CMD ["/pause"])"});
}

}  // namespace gantry::agent::docker
