#pragma once
// A container's output as the log shipper reads it: one or more channels
// (a process's stdout and stderr files; Docker's one log stream), each read
// in lines from a cursor, so that shipping resumes where it stopped after
// an agent restart. The runtime keeps the output (the files, the engine's
// log), so it is the shipper's buffer. Used from the shipper's thread only.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/logs/log_event_builder.h"

namespace gantry::agent {

struct LogLine {
  int channel = 0;
  std::string text;  // without its newline
  int64_t timestamp_ms = 0;
  LogCursor end;  // the channel's cursor after this line
};

class LogSource {
 public:
  virtual ~LogSource() = default;
  // What output this is (a directory, a container id): a source of the same
  // identity made later continues where this one was.
  virtual std::string identity() const = 0;
  virtual int channels() const = 0;
  // Reads channel `channel` on from after `cursor`; called before the first read.
  virtual void resume(int channel, LogCursor cursor) = 0;
  // Appends the complete lines that came since the last call, about
  // `max_bytes` of them at most; lines without a time of their own get
  // `now_ms`.
  virtual void read(std::vector<LogLine>& out, int64_t now_ms, size_t max_bytes) = 0;
  // No more output will come once what is there has been read (the
  // container has gone): a last line without a newline is read too.
  virtual void finish() = 0;
  // Everything there will ever be has been read.
  virtual bool exhausted() const = 0;
};

}  // namespace gantry::agent
