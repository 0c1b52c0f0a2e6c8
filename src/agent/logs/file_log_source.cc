#include "agent/logs/file_log_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>

namespace gantry::agent {

namespace {
constexpr size_t kReadChunk = 1 << 20;
}

FileLogSource::FileLogSource(std::filesystem::path directory) : directory_(std::move(directory)) {
  channels_[0].path = directory_ / "stdout.log";
  channels_[1].path = directory_ / "stderr.log";
}

void FileLogSource::resume(int channel, LogCursor cursor) {
  channels_.at(channel).offset = cursor.offset;
}

void FileLogSource::read(std::vector<LogLine>& out, int64_t now_ms, size_t max_bytes) {
  // Whether the container had gone before this read began: only then is
  // a file's end the end of its output.
  const bool final_read = finishing_;
  size_t budget = max_bytes;
  for (int i = 0; i < 2; ++i) {
    const size_t used = read_channel(i, out, now_ms, budget / (2 - i));
    budget -= std::min(budget, used);
  }
  if (final_read && channels_[0].at_end && channels_[1].at_end) exhausted_ = true;
}

size_t FileLogSource::read_channel(int index, std::vector<LogLine>& out, int64_t now_ms,
                                   size_t max_bytes) {
  Channel& channel = channels_[index];
  const int fd = ::open(channel.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    channel.at_end = true;  // not written yet (or never)
    return 0;
  }
  std::string data;
  size_t consumed = 0;
  channel.at_end = false;
  while (consumed < max_bytes) {
    const size_t kept = data.size();
    data.resize(kept + kReadChunk);
    ssize_t n = ::pread(fd, data.data() + kept, kReadChunk,
                        static_cast<off_t>(channel.offset + consumed + kept));
    if (n < 0 && errno == EINTR) {
      data.resize(kept);
      continue;
    }
    data.resize(kept + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n <= 0) {
      channel.at_end = true;
      break;
    }
    std::string_view rest(data);
    while (true) {
      const size_t newline = rest.find('\n');
      if (newline == std::string_view::npos) break;
      consumed += newline + 1;
      out.push_back(LogLine{index, std::string(rest.substr(0, newline)), now_ms,
                            LogCursor{channel.offset + static_cast<int64_t>(consumed), 0}});
      rest.remove_prefix(newline + 1);
    }
    data.erase(0, data.size() - rest.size());  // keep the partial line
    if (data.size() >= kMaxEventMessageBytes) {
      // A line this long is cut into events anyway; do not hold it whole.
      consumed += data.size();
      out.push_back(LogLine{index, std::exchange(data, {}), now_ms,
                            LogCursor{channel.offset + static_cast<int64_t>(consumed), 0}});
    }
  }
  ::close(fd);
  if (channel.at_end && finishing_ && !data.empty()) {
    // The container has gone: its last line will never get a newline.
    consumed += data.size();
    out.push_back(LogLine{index, std::move(data), now_ms,
                          LogCursor{channel.offset + static_cast<int64_t>(consumed), 0}});
  }
  channel.offset += static_cast<int64_t>(consumed);
  return consumed;
}

}  // namespace gantry::agent
