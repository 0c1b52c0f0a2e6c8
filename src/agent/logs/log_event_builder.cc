#include "agent/logs/log_event_builder.h"

#include <array>
#include <utility>

namespace gantry::agent {

namespace {

// Docker's strftimeToRegex table (moby daemon/logger/awslogs/cloudwatchlogs.go).
struct Directive {
  char letter;
  const char* regex;
};
constexpr std::array<Directive, 19> kDirectives = {{
    {'a', "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"},
    {'A', "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"},
    {'w', "[0-6]"},
    {'d', "(?:0[1-9]|[1,2][0-9]|3[0,1])"},
    {'b', "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"},
    {'B',
     "(?:January|February|March|April|May|June|July|August|September|October|November|"
     "December)"},
    {'m', "(?:0[1-9]|1[0-2])"},
    {'Y', "\\d{4}"},
    {'y', "\\d{2}"},
    {'H', "(?:[0,1][0-9]|2[0-3])"},
    {'I', "(?:0[0-9]|1[0-2])"},
    {'p', "[A,P]M"},
    {'M', "[0-5][0-9]"},
    {'S', "[0-5][0-9]"},
    {'f', "\\d{6}"},
    {'z', "[+-]\\d{4}"},
    {'Z', "[A-Z]{1,4}T"},
    {'j', "(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])"},
    {'L', "\\.\\d{3}"},
}};

// The length of the valid UTF-8 sequence at the start of `s`, 0 if none.
size_t utf8_sequence_length(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  unsigned code = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  return code < min || code > 0x10FFFF || surrogate ? 0 : length;
}

// The longest prefix of valid UTF-8 `s` of at most `limit` bytes that ends
// on a character boundary.
size_t utf8_cut(std::string_view s, size_t limit) {
  if (s.size() <= limit) return s.size();
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace

std::regex datetime_format_pattern(const std::string& format) {
  std::string regex = "^";
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '%' && i + 1 < format.size()) {
      bool known = false;
      for (const auto& d : kDirectives) {
        if (d.letter == format[i + 1]) {
          regex += d.regex;
          known = true;
          break;
        }
      }
      if (known) {
        ++i;
        continue;
      }
    }
    regex += format[i];  // Docker also leaves the rest as it is
  }
  return std::regex(regex);
}

std::regex multiline_pattern(const std::string& pattern) {
  return std::regex("^(?:" + pattern + ")");
}

std::string valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    const size_t n = utf8_sequence_length(bytes);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      bytes.remove_prefix(1);
    } else {
      out.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
    }
  }
  return out;
}

LogEventBuilder::LogEventBuilder(int channel, std::optional<std::regex> event_start)
    : channel_(channel), event_start_(std::move(event_start)) {}

void LogEventBuilder::add_line(std::string_view line, int64_t timestamp_ms, LogCursor end,
                               std::vector<LogEvent>& out) {
  std::string text = valid_utf8(line);
  if (!event_start_) return emit(std::move(text), timestamp_ms, end, out);

  const bool starts =
      std::regex_search(text, *event_start_, std::regex_constants::match_continuous);
  if (gathering_ && (starts || gathered_.size() + text.size() > kMaxEventMessageBytes)) flush(out);
  if (!gathering_) {
    gathering_ = true;
    gathered_at_ = timestamp_ms;
  }
  gathered_ += text;
  if (text.size() < kMaxEventMessageBytes) gathered_ += '\n';
  gathered_end_ = end;
}

void LogEventBuilder::flush(std::vector<LogEvent>& out) {
  if (!gathering_) return;
  gathering_ = false;
  emit(std::exchange(gathered_, {}), gathered_at_, gathered_end_, out);
}

std::optional<int64_t> LogEventBuilder::gathering_since() const {
  return gathering_ ? std::optional<int64_t>(gathered_at_) : std::nullopt;
}

void LogEventBuilder::emit(std::string message, int64_t timestamp_ms, LogCursor end,
                           std::vector<LogEvent>& out) {
  if (message.size() <= kMaxEventMessageBytes) {
    out.push_back(LogEvent{timestamp_ms, std::move(message), channel_, end});
    return;
  }
  std::string_view rest = message;
  while (!rest.empty()) {
    size_t n = utf8_cut(rest, kMaxEventMessageBytes);
    out.push_back(
        LogEvent{timestamp_ms, std::string(rest.substr(0, n)), channel_, end, n == rest.size()});
    rest.remove_prefix(n);
  }
}

}  // namespace gantry::agent
