// Walks a request body along its input shape. Runs on every request, so the
// success path allocates nothing: the member path is kept as a fixed array
// of views and only turned into a string when there is an error to report.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "model/schema_shapes.h"

namespace gantry::model::detail {
namespace {

namespace json = boost::json;

// Bodies from parse_request_body nest at most 64 levels; this also bounds
// the recursion for objects built in code.
constexpr std::size_t kMaxDepth = 64;
// libstdc++'s std::regex recurses once per character; longer strings are
// not matched against patterns (botocore's patterned strings are short and
// have a max length, which is checked first).
constexpr std::size_t kMaxPatternInput = 4096;
constexpr std::size_t kMaxShownValue = 100;

struct Segment {
  enum class Kind : std::uint8_t { kMember, kIndex, kKey };
  Kind kind = Kind::kMember;
  std::string_view name;
  std::size_t index = 0;
};

// At most kMaxShownValue bytes, cut on a UTF-8 character boundary.
std::string shown(std::string_view s) {
  if (s.size() <= kMaxShownValue) return std::string(s);
  std::size_t end = kMaxShownValue;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "...";
}

// A JSON number as a person wrote it: 512.5, not boost::json's 5.125E2.
std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v.get_double());
  if (ec != std::errc()) return json::serialize(v);
  return std::string(buf.data(), end);
}

std::uint64_t code_points(std::string_view s) {
  std::uint64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool digits(std::string_view s, std::size_t pos, std::size_t count) {
  if (pos + count > s.size()) return false;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int two_digits(std::string_view s, std::size_t pos) { return (s[pos] - '0') * 10 + (s[pos + 1] - '0'); }

// YYYY-MM-DD, optionally followed by THH:MM[:SS[.fraction]] and a zone
// (Z, +HH, +HHMM or +HH:MM).
bool is_iso8601(std::string_view s) {
  if (!digits(s, 0, 4) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2)) {
    return false;
  }
  int month = two_digits(s, 5);
  int day = two_digits(s, 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  std::size_t i = 10;
  if (i == s.size()) return true;
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
  ++i;
  if (!digits(s, i, 2) || i + 2 >= s.size() || s[i + 2] != ':' || !digits(s, i + 3, 2)) return false;
  if (two_digits(s, i) > 23 || two_digits(s, i + 3) > 59) return false;
  i += 5;
  if (i < s.size() && s[i] == ':') {
    if (!digits(s, i + 1, 2) || two_digits(s, i + 1) > 60) return false;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      std::size_t start = ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == start) return false;
    }
  }
  if (i == s.size()) return true;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  std::string_view zone = s.substr(i + 1);
  return (zone.size() == 2 && digits(zone, 0, 2)) || (zone.size() == 4 && digits(zone, 0, 4)) ||
         (zone.size() == 5 && digits(zone, 0, 2) && zone[2] == ':' && digits(zone, 3, 2));
}

class Walker {
 public:
  explicit Walker(const std::vector<Shape>& shapes) : shapes_(shapes) {}

  void structure(const Shape& shape, const json::object& obj) {
    for (std::uint32_t r : shape.required) {
      const Member& m = shape.members[r];
      const json::value* v = obj.if_contains(m.name);
      if (v == nullptr || v->is_null()) {
        throw core::invalid_parameter("Missing required parameter in " + path_or_input() + ": \"" + m.name + "\"");
      }
    }
    for (const auto& kv : obj) {
      auto it = shape.member_index.find(std::string_view(kv.key()));
      if (it == shape.member_index.end()) {
        throw core::invalid_parameter("Unknown parameter in " + path_or_input() + ": \"" + shown(kv.key()) +
                                      "\", must be one of: " + shape.member_names);
      }
      if (kv.value().is_null()) continue;  // botocore never sends null; read it as absent
      enter({Segment::Kind::kMember, kv.key(), 0});
      walk(shape.members[it->second].shape, kv.value());
      leave();
    }
  }

 private:
  void walk(ShapeIndex index, const json::value& v) {
    const Shape& shape = shapes_[index];
    switch (shape.kind) {
      case ShapeKind::kStructure:
        if (const json::object* obj = v.if_object()) return structure(shape, *obj);
        type_error("structure", v);
      case ShapeKind::kList:
        if (const json::array* arr = v.if_array()) return list(shape, *arr);
        type_error("list", v);
      case ShapeKind::kMap:
        if (const json::object* obj = v.if_object()) return map(shape, *obj);
        type_error("map", v);
      case ShapeKind::kString:
        if (const json::string* s = v.if_string()) return string_value(shape, *s);
        type_error("string", v);
      case ShapeKind::kInteger: return integral(shape, v, "integer", std::numeric_limits<std::int32_t>::min(),
                                                std::numeric_limits<std::int32_t>::max());
      case ShapeKind::kLong: return integral(shape, v, "long", std::numeric_limits<std::int64_t>::min(),
                                             std::numeric_limits<std::int64_t>::max());
      case ShapeKind::kFloat: return floating(shape, v, "float");
      case ShapeKind::kDouble: return floating(shape, v, "double");
      case ShapeKind::kBoolean:
        if (!v.is_bool()) type_error("boolean", v);
        return;
      case ShapeKind::kTimestamp: return timestamp(v);
      case ShapeKind::kBlob:
        if (!v.is_string()) type_error("blob", v);
        return;
      case ShapeKind::kDocument: return;
    }
  }

  void list(const Shape& shape, const json::array& arr) {
    check_length(shape, arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
      enter({Segment::Kind::kIndex, {}, i});
      walk(shape.element, arr[i]);
      leave();
    }
  }

  void map(const Shape& shape, const json::object& obj) {
    check_length(shape, obj.size());
    const Shape& key_shape = shapes_[shape.key];
    for (const auto& kv : obj) {
      enter({Segment::Kind::kKey, kv.key(), 0});
      if (key_shape.kind == ShapeKind::kString) string_value(key_shape, kv.key());
      walk(shape.value, kv.value());
      leave();
    }
  }

  void string_value(const Shape& shape, std::string_view s) {
    if (!shape.enum_values.empty() && shape.enum_values.find(s) == shape.enum_values.end()) {
      constraint_error("'" + shown(s) + "'", "Member must satisfy enum value set: " + shape.enum_list);
    }
    if (shape.min_length || shape.max_length) {
      std::uint64_t n = code_points(s);
      if (shape.min_length && n < *shape.min_length) {
        constraint_error("'" + shown(s) + "'",
                         "Member must have length greater than or equal to " + std::to_string(*shape.min_length));
      }
      if (shape.max_length && n > *shape.max_length) {
        constraint_error("'" + shown(s) + "'",
                         "Member must have length less than or equal to " + std::to_string(*shape.max_length));
      }
    }
    if (shape.pattern && s.size() <= kMaxPatternInput && !shape.pattern->matches(s)) {
      constraint_error("'" + shown(s) + "'", "Member must satisfy regular expression pattern: " + shape.pattern_text);
    }
  }

  void integral(const Shape& shape, const json::value& v, const char* type, std::int64_t lo, std::int64_t hi) {
    std::int64_t n = 0;
    if (v.is_int64()) {
      n = v.get_int64();
    } else if (v.is_uint64()) {
      if (v.get_uint64() > static_cast<std::uint64_t>(hi)) type_error(type, v, " out of range");
      n = static_cast<std::int64_t>(v.get_uint64());
    } else if (v.is_double()) {
      double d = v.get_double();
      // 2^63 is exact in a double; every integral double below it fits.
      if (!std::isfinite(d) || std::trunc(d) != d) type_error(type, v);
      if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) type_error(type, v, " out of range");
      n = static_cast<std::int64_t>(d);
    } else {
      type_error(type, v);
    }
    if (n < lo || n > hi) type_error(type, v, " out of range");
    check_range(shape, static_cast<double>(n), v);
  }

  void floating(const Shape& shape, const json::value& v, const char* type) {
    if (!v.is_number()) type_error(type, v);
    double d = v.to_number<double>();
    if (!std::isfinite(d)) type_error(type, v, " out of range");
    check_range(shape, d, v);
  }

  void timestamp(const json::value& v) {
    if (v.is_number()) {
      if (!std::isfinite(v.to_number<double>())) type_error("timestamp", v, " out of range");
      return;
    }
    if (const json::string* s = v.if_string(); s != nullptr && is_iso8601(*s)) return;
    type_error("timestamp", v, v.is_string() ? " that is not an ISO-8601 date-time" : "");
  }

  void check_length(const Shape& shape, std::size_t n) {
    if (shape.min_length && n < *shape.min_length) {
      constraint_error("", "Member must have length greater than or equal to " + std::to_string(*shape.min_length));
    }
    if (shape.max_length && n > *shape.max_length) {
      constraint_error("", "Member must have length less than or equal to " + std::to_string(*shape.max_length));
    }
  }

  void check_range(const Shape& shape, double d, const json::value& v) {
    if (shape.min_value && d < *shape.min_value) {
      constraint_error("'" + number_text(v) + "'",
                       "Member must have value greater than or equal to " + number_text(json::value(*shape.min_value)));
    }
    if (shape.max_value && d > *shape.max_value) {
      constraint_error("'" + number_text(v) + "'",
                       "Member must have value less than or equal to " + number_text(json::value(*shape.max_value)));
    }
  }

  void enter(Segment segment) {
    if (depth_ == path_.size()) {
      throw core::ApiError("SerializationException", "Request nests deeper than " + std::to_string(kMaxDepth) +
                                                         " levels at " + path());
    }
    path_[depth_++] = segment;
  }
  void leave() { --depth_; }

  std::string path() const {
    std::string out;
    for (std::size_t i = 0; i < depth_; ++i) {
      const Segment& s = path_[i];
      if (s.kind == Segment::Kind::kIndex) {
        out += '[';
        out += std::to_string(s.index);
        out += ']';
      } else {
        if (i > 0) out += '.';
        out += s.name;
      }
    }
    return out;
  }
  std::string path_or_input() const { return depth_ == 0 ? std::string("input") : path(); }

  [[noreturn]] void type_error(const char* expected, const json::value& v, std::string_view detail = {}) const {
    std::string got = json_kind_name(v.kind());
    if (v.is_number()) got += " " + number_text(v);
    throw core::ApiError("SerializationException",
                         std::string("Expected ") + expected + " for " + path() + ", got " + got + std::string(detail));
  }

  [[noreturn]] void constraint_error(const std::string& value, const std::string& constraint) const {
    throw core::invalid_parameter("1 validation error detected: Value " + value + (value.empty() ? "" : " ") +
                                  "at '" + path() + "' failed to satisfy constraint: " + constraint);
  }

  const std::vector<Shape>& shapes_;
  std::array<Segment, kMaxDepth> path_{};
  std::size_t depth_ = 0;
};

}  // namespace

void validate_input(const CompiledModel& model, ShapeIndex input, const json::object& body) {
  const Shape& shape = model.shapes[input];
  if (shape.kind == ShapeKind::kDocument) return;
  if (shape.kind != ShapeKind::kStructure) {
    throw core::server_error("The input shape " + shape.name + " is not a structure");
  }
  Walker(model.shapes).structure(shape, body);
}

}  // namespace gantry::model::detail
