#pragma once
// Text cut to a limit in bytes without splitting a UTF-8 character: a
// field ECS caps (a stoppedReason's 255) stays valid UTF-8 for the JSON
// that carries it.
#include <string>
#include <string_view>

namespace gantry::core {

inline bool utf8_continuation(char byte) {
  return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

// The longest start of `text` of at most `max_bytes` that ends on a
// character boundary.
inline std::string utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  while (end > 0 && utf8_continuation(text[end])) --end;
  return std::string(text.substr(0, end));
}

// The longest end of `text` of at most `max_bytes` that starts on a
// character boundary.
inline std::string utf8_suffix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t begin = text.size() - max_bytes;
  while (begin < text.size() && utf8_continuation(text[begin])) ++begin;
  return std::string(text.substr(begin));
}

// ECS's limit on a task's stoppedReason (StopTask's reason).
inline constexpr size_t kMaxStoppedReasonBytes = 255;

}  // namespace gantry::core
