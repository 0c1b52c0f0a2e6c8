#include "state/records.h"

#include <cstdio>
#include <stdexcept>

namespace gantry::state {

namespace json = boost::json;

namespace {
constexpr std::string_view kClusterPrefix = "clusters/";
constexpr std::string_view kTaskDefinitionPrefix = "taskdefs/";
constexpr std::string_view kAccountSettingPrefix = "settings/";

std::string string_member(const json::object& doc, std::string_view name) {
  if (auto* v = doc.if_contains(name); v && v->is_string()) return std::string(v->get_string());
  return {};
}
}  // namespace

std::string ClusterRecord::name() const { return string_member(doc, "clusterName"); }

bool ClusterRecord::active() const { return string_member(doc, "status") == "ACTIVE"; }

std::string TaskDefinitionRecord::family() const { return string_member(doc, "family"); }
int64_t TaskDefinitionRecord::revision() const {
  auto* v = doc.if_contains("revision");
  return v && v->is_int64() ? v->get_int64() : 0;
}
std::string TaskDefinitionRecord::status() const { return string_member(doc, "status"); }

std::string cluster_key(std::string_view name) {
  return std::string(kClusterPrefix) + std::string(name);
}

std::string task_definition_key(std::string_view family, int64_t revision) {
  char padded[24];
  std::snprintf(padded, sizeof padded, "%010lld", static_cast<long long>(revision));
  return std::string(kTaskDefinitionPrefix) + std::string(family) + "/" + padded;
}

std::string account_setting_key(std::string_view principal_arn, std::string_view name) {
  return std::string(kAccountSettingPrefix) + std::string(name) + "/" + std::string(principal_arn);
}

std::string encode_record(const Record& record) {
  return std::visit(
      [](const auto& r) -> std::string {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ClusterRecord>) {
          return json::serialize(r.doc);
        } else if constexpr (std::is_same_v<T, TaskDefinitionRecord>) {
          return json::serialize(json::object{{"taskDefinition", r.doc}, {"tags", r.tags}});
        } else {
          return json::serialize(json::object{
              {"principalArn", r.principal_arn}, {"name", r.name}, {"value", r.value}});
        }
      },
      record);
}

Record decode_record(std::string_view key, std::string_view value) {
  json::error_code ec;
  json::value parsed = json::parse(value, ec);
  if (ec || !parsed.is_object())
    throw std::runtime_error("corrupt record under key " + std::string(key));
  json::object& doc = parsed.as_object();
  if (key.starts_with(kClusterPrefix)) return ClusterRecord{std::move(doc)};
  if (key.starts_with(kTaskDefinitionPrefix)) {
    auto* definition = doc.if_contains("taskDefinition");
    auto* tags = doc.if_contains("tags");
    if (!definition || !definition->is_object() || !tags || !tags->is_array())
      throw std::runtime_error("corrupt task definition under key " + std::string(key));
    return TaskDefinitionRecord{std::move(definition->as_object()), std::move(tags->as_array())};
  }
  if (key.starts_with(kAccountSettingPrefix)) {
    return AccountSettingRecord{string_member(doc, "principalArn"), string_member(doc, "name"),
                                string_member(doc, "value")};
  }
  throw std::runtime_error("unknown record key " + std::string(key));
}

}  // namespace gantry::state
