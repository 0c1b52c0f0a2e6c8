#include "logs/event_tokens.h"

#include <charconv>
#include <cstdio>

#include "logs/log_errors.h"

namespace gantry::logs {

namespace {

constexpr size_t kDigits = 19;  // an int64's decimal digits

std::string digits(int64_t value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%019lld", static_cast<long long>(value));
  return buffer;
}

int64_t parse_digits(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) throw invalid_token();
  return value;
}

// "<19 digits of timestamp><19 digits of sequence>"
std::string encode_key(const EventKey& key) { return digits(key.timestamp) + digits(key.sequence); }

EventKey decode_key(std::string_view text) {
  if (text.size() != 2 * kDigits) throw invalid_token();
  return {parse_digits(text.substr(0, kDigits)), parse_digits(text.substr(kDigits))};
}

}  // namespace

std::string encode_stream_token(const StreamToken& token) {
  return (token.forward ? "f/" : "b/") + encode_key(token.position);
}

StreamToken decode_stream_token(std::string_view text) {
  if (text.size() < 2 || text[1] != '/' || (text[0] != 'f' && text[0] != 'b')) {
    throw invalid_token();
  }
  return {text[0] == 'f', decode_key(text.substr(2))};
}

std::string encode_filter_token(const EventKey& last_searched) {
  return "e/" + encode_key(last_searched);
}

EventKey decode_filter_token(std::string_view text) {
  if (!text.starts_with("e/")) throw invalid_token();
  return decode_key(text.substr(2));
}

std::string event_id(const EventKey& key) { return encode_key(key); }

}  // namespace gantry::logs
