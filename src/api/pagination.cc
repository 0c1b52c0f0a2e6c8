#include "api/pagination.h"

#include "core/error.h"

namespace gantry::api {

namespace {
// A token is the hex of a versioned key: opaque to clients, trivially
// checked, and free of characters that need escaping anywhere.
constexpr std::string_view kTokenMagic = "gantry1:";
constexpr std::string_view kHex = "0123456789abcdef";

std::optional<std::string> decode_page_token(std::string_view token) {
  if (token.size() % 2) return std::nullopt;
  std::string raw;
  raw.reserve(token.size() / 2);
  for (size_t i = 0; i < token.size(); i += 2) {
    auto hi = kHex.find(token[i]), lo = kHex.find(token[i + 1]);
    if (hi == std::string_view::npos || lo == std::string_view::npos) return std::nullopt;
    raw.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (!std::string_view(raw).starts_with(kTokenMagic)) return std::nullopt;
  return raw.substr(kTokenMagic.size());
}
}  // namespace

PageRequest read_page_request(const boost::json::object& body, size_t limit, size_t fallback) {
  PageRequest page{fallback ? fallback : limit, std::nullopt};
  if (auto* max = body.if_contains("maxResults"); max && !max->is_null()) {
    auto value = max->to_number<int64_t>();
    if (value < 1 || static_cast<size_t>(value) > limit) {
      throw core::invalid_parameter("maxResults must be between 1 and " + std::to_string(limit) +
                                    ", got " + std::to_string(value) + ".");
    }
    page.max_results = static_cast<size_t>(value);
  }
  if (auto* token = body.if_contains("nextToken"); token && token->is_string()) {
    page.after = decode_page_token(token->get_string());
    if (!page.after) {
      throw core::invalid_parameter(
          "Invalid nextToken: pass the nextToken value of a previous response unchanged.");
    }
  }
  return page;
}

std::string encode_page_token(std::string_view last_key) {
  std::string token;
  token.reserve(2 * (kTokenMagic.size() + last_key.size()));
  for (std::string_view part : {kTokenMagic, last_key}) {
    for (unsigned char c : part) {
      token.push_back(kHex[c >> 4]);
      token.push_back(kHex[c & 15]);
    }
  }
  return token;
}

}  // namespace gantry::api
