#include "ecs/instance_attributes.h"

#include <algorithm>
#include <regex>

#include "core/json_members.h"
#include "core/error.h"

namespace gantry::ecs {

using core::string_member;

namespace json = boost::json;

void validate_attribute(const json::object& attribute) {
  static const std::regex name_pattern(R"([a-zA-Z0-9_\-./\\@:]{1,128})");
  static const std::regex value_pattern(R"([a-zA-Z0-9_\-./\\@: ]{1,128})");
  std::string name = string_member(attribute, "name");
  if (!std::regex_match(name, name_pattern)) {
    throw core::invalid_parameter(
        "Invalid attribute name '" + name +
        "': 1 to 128 letters, numbers, hyphens, underscores, periods, slashes, back slashes, "
        "colons or at signs.");
  }
  if (auto* value = attribute.if_contains("value"); value && value->is_string()) {
    std::string text(value->get_string());
    if (!std::regex_match(text, value_pattern) || text.front() == ' ' || text.back() == ' ') {
      throw core::invalid_parameter(
          "Invalid value '" + text + "' for attribute '" + name +
          "': 1 to 128 letters, numbers, hyphens, underscores, periods, at signs, slashes, "
          "back slashes, colons or inner spaces.");
    }
  }
}

json::array merge_attributes(const json::array& current, const json::array& added) {
  json::array merged = current;
  for (const auto& item : added) {
    const json::object& a = item.as_object();
    json::object entry{{"name", a.at("name")}};
    if (auto* v = a.if_contains("value"); v && v->is_string()) entry["value"] = *v;
    auto same = std::find_if(merged.begin(), merged.end(), [&](const json::value& m) {
      return m.as_object().at("name") == entry.at("name");
    });
    if (same != merged.end()) {
      *same = std::move(entry);
    } else {
      merged.push_back(std::move(entry));
    }
  }
  return merged;
}

json::array remove_attributes(const json::array& current, const json::array& removed) {
  json::array out;
  for (const auto& a : current) {
    bool drop = false;
    for (const auto& r : removed) drop = drop || r.as_object().at("name") == a.as_object().at("name");
    if (!drop) out.push_back(a);
  }
  return out;
}

}  // namespace gantry::ecs
