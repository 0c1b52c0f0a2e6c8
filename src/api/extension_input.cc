#include "api/extension_input.h"

#include "core/error.h"

namespace gantry::api {

namespace {

core::ApiError wrong_type(std::string_view member, std::string_view expected) {
  return {"SerializationException",
          "Expected " + std::string(expected) + " for " + std::string(member) + "."};
}

void check_member(const ExtensionMember& expected, const boost::json::value& value) {
  const std::string name(expected.name);
  if (expected.kind == ExtensionMember::Kind::kString) {
    if (!value.is_string()) throw wrong_type(name, "a string");
    return;
  }
  if (expected.kind == ExtensionMember::Kind::kInteger) {
    if (!value.is_int64() && !value.is_uint64()) throw wrong_type(name, "an integer");
    return;
  }
  if (!value.is_array()) throw wrong_type(name, "a list");
  const boost::json::array& items = value.get_array();
  if (items.size() > expected.max_items) {
    throw core::invalid_parameter(name + " can name at most " +
                                  std::to_string(expected.max_items) + " items.");
  }
  for (const auto& item : items) {
    if (!item.is_string()) throw wrong_type(name + "[]", "a string");
  }
}

}  // namespace

void check_extension_input(const boost::json::object& body,
                           const std::vector<ExtensionMember>& members) {
  for (const auto& member : body) {
    const ExtensionMember* expected = nullptr;
    for (const auto& m : members) {
      if (m.name == member.key()) expected = &m;
    }
    if (!expected) {
      std::string names;
      for (const auto& m : members) names += (names.empty() ? "" : ", ") + std::string(m.name);
      throw core::invalid_parameter("Unknown parameter in input: \"" + std::string(member.key()) +
                                    "\", must be one of: " + names);
    }
    check_member(*expected, member.value());
  }
}

}  // namespace gantry::api
