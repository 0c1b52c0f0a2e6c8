// parse_request_body: the one place a request's bytes become JSON. Strict
// where boost::json's own parser is lenient: duplicate keys are an error (the
// stock parser keeps the last one silently, so `{"cpu":"1","cpu":"2"}` would
// mean something different to gantry than to a proxy that keeps the first).
#include <boost/json/basic_parser_impl.hpp>

#include "core/error.h"
#include "model/schema.h"
#include "model/schema_shapes.h"

#include <cstdint>
#include <string>

namespace gantry::model {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kScratchBytes = 8192;

// boost::json's own value-building handler (detail::handler), plus a count
// of the key/value pairs parsed, so that duplicates, which value_stack folds
// away, can be noticed afterwards.
struct CountingHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  CountingHandler(unsigned char* temp_buffer, std::size_t temp_size) : stack({}, temp_buffer, temp_size) {}

  json::value_stack stack;
  std::uint64_t pairs = 0;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    pairs += n;
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    stack.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

json::parse_options strict_options() {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  return options;
}

// Counts the key/value pairs that survived into the tree. The depth is
// bounded by kMaxDepth, so the recursion is too.
std::uint64_t count_pairs(const json::value& v) {
  std::uint64_t n = 0;
  if (const auto* obj = v.if_object()) {
    n += obj->size();
    for (const auto& kv : *obj) n += count_pairs(kv.value());
  } else if (const auto* arr = v.if_array()) {
    for (const auto& e : *arr) n += count_pairs(e);
  }
  return n;
}

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

core::ApiError serialization_error(std::string message) {
  return core::ApiError("SerializationException", std::move(message));
}

}  // namespace

json::object parse_request_body(std::string_view body) {
  bool blank = true;
  for (char c : body) {
    if (!is_json_whitespace(c)) {
      blank = false;
      break;
    }
  }
  if (blank) return {};

  // Scratch space for the values under construction: most bodies are built
  // without a heap allocation beyond the result's own.
  unsigned char scratch[kScratchBytes];
  json::basic_parser<CountingHandler> parser(strict_options(), scratch, sizeof scratch);
  parser.handler().stack.reset();
  json::error_code ec;
  std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && consumed != body.size()) ec = json::error::extra_data;
  if (ec == json::error::too_deep) {
    throw serialization_error("Request body nests objects and arrays deeper than " +
                              std::to_string(kMaxDepth) + " levels");
  }
  if (ec) {
    throw serialization_error("Request body is not valid JSON: " + ec.message() + " (at byte " +
                              std::to_string(consumed) + ")");
  }
  CountingHandler& handler = parser.handler();
  json::value root = handler.stack.release();
  if (!root.is_object()) {
    throw serialization_error(std::string("Request body must be a JSON object, got ") +
                              detail::json_kind_name(root.kind()));
  }
  if (count_pairs(root) != handler.pairs) {
    throw serialization_error("Request body is not valid: an object has a duplicate key");
  }
  return std::move(root.get_object());
}

}  // namespace gantry::model
