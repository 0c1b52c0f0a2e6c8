#pragma once
// Read-only accessors over a schema-validated RegisterTaskDefinition request,
// shared by the files that check it (task_definition_rules.cc,
// container_definition_rules.cc, fargate_rules.cc) and the one that computes
// what ECS adds (task_definition_attributes.cc). Members may be absent; the
// accessors turn absence into an empty value so that rules read as one line.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace gantry::model::detail {

// Task-definition rules refuse with ClientException, as ECS does.
[[noreturn]] inline void fail(const std::string& message) { throw core::client_error(message); }

inline std::string quoted(const std::string& name) { return "'" + name + "'"; }

// Family, container and volume names: up to 255 letters, digits, - and _.
constexpr std::size_t kMaxNameLength = 255;

inline const boost::json::array& empty_array() {
  static const boost::json::array empty;
  return empty;
}

inline const boost::json::object& empty_object() {
  static const boost::json::object empty;
  return empty;
}

inline const boost::json::array& array_member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : empty_array();
}

inline const boost::json::object& object_member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : empty_object();
}

inline bool has_object(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object();
}

inline std::optional<std::string> string_member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

// An empty string when absent; for members where absent and empty mean the same.
inline std::string string_or_empty(const boost::json::object& o, std::string_view key) {
  return string_member(o, key).value_or("");
}

inline std::optional<std::int64_t> int_member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    const auto u = v->get_uint64();
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  return std::nullopt;
}

inline bool bool_member(const boost::json::object& o, std::string_view key, bool if_absent) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : if_absent;
}

inline bool non_empty_array(const boost::json::object& o, std::string_view key) {
  return !array_member(o, key).empty();
}

inline bool non_empty_object(const boost::json::object& o, std::string_view key) {
  return !object_member(o, key).empty();
}

// ECS's default network mode is bridge.
inline std::string network_mode(const boost::json::object& request) {
  return string_member(request, "networkMode").value_or("bridge");
}

inline bool requires_compatibility(const boost::json::object& request, std::string_view launch_type) {
  for (const auto& c : array_member(request, "requiresCompatibilities")) {
    if (c.is_string() && c.get_string() == launch_type) return true;
  }
  return false;
}

inline bool is_windows(const boost::json::object& request) {
  const auto family = string_or_empty(object_member(request, "runtimePlatform"), "operatingSystemFamily");
  return family.starts_with("WINDOWS");
}

// A private ECR image: "<account>.dkr.ecr.<region>.amazonaws.com/<repo>...",
// also the FIPS ("dkr.ecr-fips") and China (".amazonaws.com.cn") hosts.
inline bool is_ecr_image(std::string_view image) {
  const auto host = image.substr(0, image.find('/'));
  if (host.size() == image.size() || host.size() < 13) return false;
  for (std::size_t i = 0; i < 12; ++i) {
    if (host[i] < '0' || host[i] > '9') return false;
  }
  return host.substr(12).starts_with(".dkr.ecr") && host.find(".amazonaws.com") != std::string_view::npos;
}

// Family, container and volume names share one alphabet: ^[a-zA-Z0-9_-]{1,255}$.
inline bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

inline bool has_only_name_characters(std::string_view name) {
  for (char c : name) {
    if (!is_name_character(c)) return false;
  }
  return true;
}

}  // namespace gantry::model::detail
