#pragma once
// Reading the Docker engine's JSON (inspections, events, networks): members
// that are missing or of another type read as absent, since engines of
// different versions leave different ones out.
#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace gantry::agent::docker {

inline const boost::json::object* object_field(const boost::json::object& o,
                                               std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

inline std::string string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Whether a container inspection says the container is running.
inline bool is_running(const boost::json::object& inspected) {
  const auto* state = object_field(inspected, "State");
  const auto* running = state ? state->if_contains("Running") : nullptr;
  return running && running->is_bool() && running->get_bool();
}

}  // namespace gantry::agent::docker
