#pragma once
// Cuts a container's output lines into CloudWatch Logs events as Docker's
// awslogs driver does (moby daemon/logger/awslogs): a line is an event,
// without its newline; with awslogs-multiline-pattern or
// awslogs-datetime-format, a line that matches starts an event and the
// lines that do not join it, each with its newline; an event longer than
// CloudWatch's 256 KiB is cut. Messages are made valid UTF-8 (invalid bytes
// become U+FFFD, as CloudWatch requires UTF-8). Pure: no clock, no I/O.
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::agent {

// Where a channel of a container's output has been read to: a byte offset
// in a file, or for Docker's log stream the timestamp of the last line (ns)
// and how many lines with that timestamp were read.
struct LogCursor {
  int64_t offset = 0;
  int64_t count = 0;
  bool operator==(const LogCursor&) const = default;
};

struct LogEvent {
  int64_t timestamp_ms = 0;
  std::string message;
  int channel = 0;  // which of the source's channels it came from
  LogCursor end;    // the channel's cursor just after the event's last line
  // False for all but the last piece of a line cut in pieces: reading again
  // from `end` would skip the pieces after it.
  bool completes_line = true;
};

// The largest event message: CloudWatch's 262,144-byte event less the 26
// bytes it counts for each (Docker's maximumBytesPerEvent).
inline constexpr size_t kMaxEventMessageBytes = 262'144 - 26;

// The regular expression Docker builds from awslogs-datetime-format: each
// strftime directive replaced by what it matches, anchored at the start.
// Throws std::regex_error when the result is not a regular expression.
std::regex datetime_format_pattern(const std::string& format);
// "^(pattern)" for awslogs-multiline-pattern; throws std::regex_error.
std::regex multiline_pattern(const std::string& pattern);

// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view bytes);

class LogEventBuilder {
 public:
  // `event_start`: the pattern a line that starts an event matches; none:
  // every line is an event.
  LogEventBuilder(int channel, std::optional<std::regex> event_start);

  // One line of output, without its newline, read at `timestamp_ms`;
  // `end` is the channel's cursor after it. Appends finished events.
  void add_line(std::string_view line, int64_t timestamp_ms, LogCursor end,
                std::vector<LogEvent>& out);
  // Ends the event being gathered (multiline only), if any.
  void flush(std::vector<LogEvent>& out);
  // When the event being gathered began (its first line's time); nullopt
  // when none is.
  std::optional<int64_t> gathering_since() const;

 private:
  void emit(std::string message, int64_t timestamp_ms, LogCursor end, std::vector<LogEvent>& out);

  int channel_;
  std::optional<std::regex> event_start_;
  std::string gathered_;
  int64_t gathered_at_ = 0;
  LogCursor gathered_end_;
  bool gathering_ = false;
};

}  // namespace gantry::agent
