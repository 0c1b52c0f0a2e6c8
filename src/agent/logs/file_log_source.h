#pragma once
// The process driver's output: the stdout.log and stderr.log files the
// container writes itself, read by byte offset. Lines get the time they
// are read at (the files carry none).
#include <array>
#include <filesystem>
#include <string>

#include "agent/logs/log_source.h"

namespace gantry::agent {

class FileLogSource : public LogSource {
 public:
  explicit FileLogSource(std::filesystem::path directory);

  std::string identity() const override { return directory_.string(); }
  int channels() const override { return 2; }
  void resume(int channel, LogCursor cursor) override;
  void read(std::vector<LogLine>& out, int64_t now_ms, size_t max_bytes) override;
  void finish() override { finishing_ = true; }
  bool exhausted() const override { return exhausted_; }

 private:
  struct Channel {
    std::filesystem::path path;
    int64_t offset = 0;   // of the first byte not yet returned as a line
    bool at_end = false;  // the last read found nothing more
  };
  // Reads one file's new complete lines; returns the bytes consumed.
  size_t read_channel(int index, std::vector<LogLine>& out, int64_t now_ms, size_t max_bytes);

  std::filesystem::path directory_;
  std::array<Channel, 2> channels_;
  bool finishing_ = false;
  bool exhausted_ = false;
};

}  // namespace gantry::agent
