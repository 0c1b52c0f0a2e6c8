#pragma once
// A Docker container's output, read from the engine's log stream with its
// timestamps (GET /containers/{id}/logs?follow=1&timestamps=1) on a thread
// of its own, which the engine's buffering makes the shipper's buffer: the
// engine keeps the log until the container is removed, and the shipper
// removes it only once everything is shipped. The cursor is the last
// line's timestamp and how many lines had it; resuming asks the engine for
// the lines since that time and skips those already read.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "agent/docker/docker_client.h"
#include "agent/logs/log_source.h"

namespace gantry::agent {

// Nanoseconds since the epoch of an RFC 3339 time as Docker writes it
// ("2026-12-04T05:12:23.123456789Z"); nullopt when it is not one.
std::optional<int64_t> docker_timestamp_nanos(std::string_view text);

class DockerLogSource : public LogSource {
 public:
  DockerLogSource(docker::DockerClient& client, std::string container_id);
  ~DockerLogSource() override;

  std::string identity() const override { return container_id_; }
  int channels() const override { return 1; }
  void resume(int channel, LogCursor cursor) override;
  void read(std::vector<LogLine>& out, int64_t now_ms, size_t max_bytes) override;
  void finish() override {}  // the stream ends by itself when the container exits
  bool exhausted() const override;

 private:
  void follow();
  void take_frame(std::string_view data);
  void take_line(std::string_view line);

  docker::DockerClient& client_;
  const std::string container_id_;
  LogCursor cursor_;            // the last line taken from the engine (follower's)
  int64_t skip_at_cursor_ = 0;  // lines at cursor_'s time to skip, already read

  mutable std::mutex mutex_;
  std::condition_variable room_;  // the reader took lines
  std::deque<LogLine> lines_;
  size_t buffered_bytes_ = 0;
  bool ended_ = false;
  bool stopping_ = false;
  std::unique_ptr<net::HttpClient> connection_;  // the follower's, to interrupt
  std::thread follower_;
};

}  // namespace gantry::agent
