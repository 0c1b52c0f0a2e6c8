#include "ecs/tags.h"

#include <set>

#include "core/error.h"

namespace gantry::ecs {

namespace json = boost::json;

namespace {
std::string key_of(const json::value& tag) {
  auto* key = tag.as_object().if_contains("key");
  return key && key->is_string() ? std::string(key->get_string()) : std::string();
}
}  // namespace

void validate_tags(const json::array& tags) {
  if (tags.size() > kMaxTagsPerResource) {
    throw core::invalid_parameter("A resource can have at most 50 tags; the request has " +
                                  std::to_string(tags.size()) + ".");
  }
  std::set<std::string> keys;
  for (const auto& tag : tags) {
    std::string key = key_of(tag);
    if (key.empty()) throw core::invalid_parameter("Every tag needs a non-empty key.");
    if (key.size() >= 4 && (key.substr(0, 4) == "aws:" || key.substr(0, 4) == "AWS:")) {
      throw core::invalid_parameter("Tag key '" + key +
                                    "' is invalid: the aws: prefix is reserved for AWS use.");
    }
    if (!keys.insert(key).second) {
      throw core::invalid_parameter("Tag key '" + key + "' appears more than once.");
    }
  }
}

json::array merge_tags(const json::array& current, const json::array& added) {
  json::array merged;
  std::set<std::string> replaced;
  for (const auto& tag : added) replaced.insert(key_of(tag));
  for (const auto& tag : current) {
    if (!replaced.contains(key_of(tag))) merged.push_back(tag);
  }
  for (const auto& tag : added) merged.push_back(tag);
  validate_tags(merged);
  return merged;
}

json::array remove_tags(const json::array& current, const json::array& keys) {
  std::set<std::string> removed;
  for (const auto& key : keys) removed.insert(std::string(key.as_string()));
  json::array kept;
  for (const auto& tag : current) {
    if (!removed.contains(key_of(tag))) kept.push_back(tag);
  }
  return kept;
}

}  // namespace gantry::ecs
