#include "logs/log_paging.h"

#include "logs/log_errors.h"

namespace gantry::logs {

namespace {
constexpr std::string_view kHex = "0123456789abcdef";
}

std::string encode_describe_token(std::string_view last_key) {
  std::string token = "d/";
  for (unsigned char c : last_key) {
    token += kHex[c >> 4];
    token += kHex[c & 15];
  }
  return token;
}

std::string decode_describe_token(std::string_view token) {
  if (!token.starts_with("d/") || token.size() % 2 != 0) throw invalid_token();
  std::string key;
  for (size_t i = 2; i < token.size(); i += 2) {
    size_t high = kHex.find(token[i]), low = kHex.find(token[i + 1]);
    if (high == std::string_view::npos || low == std::string_view::npos) throw invalid_token();
    key += static_cast<char>(high << 4 | low);
  }
  return key;
}

}  // namespace gantry::logs
