#include "agent/logs/docker_log_source.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace gantry::agent {

namespace {
// What the follower holds before it waits for the shipper (the engine
// keeps the rest).
constexpr size_t kMaxBufferedBytes = 8 << 20;
constexpr std::chrono::seconds kRetryDelay{1};

int digits(std::string_view s, size_t at, size_t n) {
  int value = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}
}  // namespace

std::optional<int64_t> docker_timestamp_nanos(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = digits(text, 0, 4) - 1900;
  tm.tm_mon = digits(text, 5, 2) - 1;
  tm.tm_mday = digits(text, 8, 2);
  tm.tm_hour = digits(text, 11, 2);
  tm.tm_min = digits(text, 14, 2);
  tm.tm_sec = digits(text, 17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 ||
      tm.tm_sec < 0) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t nanos = 0;
  if (text[i] == '.') {
    int64_t scale = 100'000'000;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      nanos += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i >= text.size() || text[i] != 'Z') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000'000 + nanos;
}

DockerLogSource::DockerLogSource(docker::DockerClient& client, std::string container_id)
    : client_(client), container_id_(std::move(container_id)) {}

DockerLogSource::~DockerLogSource() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (connection_) connection_->interrupt();
  }
  room_.notify_all();
  if (follower_.joinable()) follower_.join();
}

void DockerLogSource::resume(int /*channel*/, LogCursor cursor) {
  cursor_ = cursor;
  skip_at_cursor_ = cursor.count;
}

void DockerLogSource::read(std::vector<LogLine>& out, int64_t /*now_ms*/, size_t max_bytes) {
  if (!follower_.joinable()) follower_ = std::thread([this] { follow(); });
  std::lock_guard lock(mutex_);
  size_t taken = 0;
  while (!lines_.empty() && taken < max_bytes) {
    taken += lines_.front().text.size();
    buffered_bytes_ -= lines_.front().text.size();
    out.push_back(std::move(lines_.front()));
    lines_.pop_front();
  }
  if (taken) room_.notify_all();
}

bool DockerLogSource::exhausted() const {
  std::lock_guard lock(mutex_);
  return ended_ && lines_.empty();
}

void DockerLogSource::follow() {
  while (true) {
    std::string options = "&timestamps=1";
    if (cursor_.offset > 0) {
      // Fractional seconds: the engine returns the lines at or after it.
      char since[48];
      std::snprintf(since, sizeof since, "&since=%lld.%09lld",
                    static_cast<long long>(cursor_.offset / 1'000'000'000),
                    static_cast<long long>(cursor_.offset % 1'000'000'000));
      options += since;
    }
    skip_at_cursor_ = cursor_.count;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      connection_ = client_.streaming_connection();
    }
    try {
      client_.follow_logs(
          *connection_, container_id_, true,
          [this](docker::StreamKind, std::string_view data) { take_frame(data); }, options);
      std::lock_guard lock(mutex_);
      ended_ = true;  // the container has exited: its log is complete
      return;
    } catch (const std::exception& e) {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      lock.unlock();
      if (!client_.inspect_container(container_id_)) {
        spdlog::warn("awslogs: container {} is gone; its output after what was read is lost",
                     container_id_.substr(0, 12));
        lock.lock();
        ended_ = true;
        return;
      }
      spdlog::debug("awslogs: following the log of {} failed ({}); again", container_id_, e.what());
      lock.lock();
      room_.wait_for(lock, kRetryDelay, [this] { return stopping_; });
      if (stopping_) return;
    }
  }
}

void DockerLogSource::take_frame(std::string_view data) {
  while (!data.empty()) {
    size_t newline = data.find('\n');
    std::string_view line = data.substr(0, newline);
    data.remove_prefix(newline == std::string_view::npos ? data.size() : newline + 1);
    take_line(line);
  }
}

void DockerLogSource::take_line(std::string_view line) {
  const size_t space = line.find(' ');
  const auto nanos = docker_timestamp_nanos(line.substr(0, space));
  if (!nanos) return;  // not a timestamped line: nothing the engine sends
  if (*nanos < cursor_.offset) return;
  if (*nanos == cursor_.offset && skip_at_cursor_ > 0) {
    --skip_at_cursor_;
    return;
  }
  cursor_ = *nanos == cursor_.offset ? LogCursor{*nanos, cursor_.count + 1} : LogCursor{*nanos, 1};
  LogLine taken{0, std::string(space == std::string_view::npos ? "" : line.substr(space + 1)),
                *nanos / 1'000'000, cursor_};
  std::unique_lock lock(mutex_);
  room_.wait(lock, [this] { return stopping_ || buffered_bytes_ < kMaxBufferedBytes; });
  if (stopping_) throw std::runtime_error("stopping");
  buffered_bytes_ += taken.text.size();
  lines_.push_back(std::move(taken));
}

}  // namespace gantry::agent
