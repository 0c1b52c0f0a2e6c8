#pragma once
// Members of a JSON document read as ECS documents are read: a member of
// the wrong type counts as absent (request bodies are type-checked against
// the model before, records are written by gantry itself).
#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace gantry::core {

inline std::string string_member(const boost::json::object& body, std::string_view name,
                                 std::string_view fallback = {}) {
  auto* v = body.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
}

inline const boost::json::array* array_member(const boost::json::object& body,
                                              std::string_view name) {
  auto* v = body.if_contains(name);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

inline const boost::json::object* object_member(const boost::json::object& body,
                                                std::string_view name) {
  auto* v = body.if_contains(name);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

inline int64_t int_member(const boost::json::object& body, std::string_view name,
                          int64_t fallback) {
  auto* v = body.if_contains(name);
  return v && v->is_int64() ? v->get_int64() : fallback;
}

inline bool bool_member(const boost::json::object& body, std::string_view name, bool fallback) {
  auto* v = body.if_contains(name);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

}  // namespace gantry::core
