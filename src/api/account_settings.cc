// PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting,
// ListAccountSettings. A setting is kept per (name, principal); the account
// default is the setting of the account's root principal, as on ECS.
#include <map>
#include <set>

#include "api/handler_support.h"
#include "api/pagination.h"
#include "core/error.h"

namespace gantry::api {

namespace json = boost::json;
using state::AccountSettingRecord;
using state::ClusterState;

namespace {

struct SettingRule {
  std::string aws_default;
  std::set<std::string> values;
  bool read_only = false;
};

// ECS's settings, their AWS-managed defaults and the values they accept.
const std::map<std::string, SettingRule, std::less<>>& setting_rules() {
  static const std::map<std::string, SettingRule, std::less<>> rules = {
      {"serviceLongArnFormat", {"enabled", {"enabled", "disabled"}}},
      {"taskLongArnFormat", {"enabled", {"enabled", "disabled"}}},
      {"containerInstanceLongArnFormat", {"enabled", {"enabled", "disabled"}}},
      {"awsvpcTrunking", {"disabled", {"enabled", "disabled"}}},
      {"containerInsights", {"disabled", {"enabled", "disabled", "enhanced"}}},
      {"fargateFIPSMode", {"disabled", {"enabled", "disabled"}}},
      {"tagResourceAuthorization", {"on", {"on", "off"}}},
      {"fargateTaskRetirementWaitPeriod", {"7", {"0", "7", "14"}}},
      {"guardDutyActivate", {"off", {"on", "off"}, true}},
      {"defaultLogDriverMode", {"non-blocking", {"blocking", "non-blocking"}}},
      {"fargateEventWindows", {"disabled", {"enabled", "disabled"}}},
  };
  return rules;
}

const SettingRule& rule_for(const std::string& name) {
  auto it = setting_rules().find(name);
  // The schema's enum has already refused unknown names; a newer botocore
  // model may know names this table does not.
  if (it == setting_rules().end()) {
    throw core::invalid_parameter("The account setting '" + name + "' is not supported by gantry.");
  }
  return it->second;
}

std::string root_arn(const RequestContext& context) {
  return "arn:aws:iam::" + context.account_id + ":root";
}

json::object render(const std::string& name, const std::string& value,
                    const std::string& principal, bool user) {
  return {{"name", name}, {"value", value}, {"principalArn", principal},
          {"type", user ? "user" : "aws_managed"}};
}

const AccountSettingRecord* find(const ClusterState& state, const std::string& name,
                                 const std::string& principal) {
  auto it = state.account_settings().find({name, principal});
  return it == state.account_settings().end() ? nullptr : it->second.get();
}

state::Outcome put_setting(const std::string& name, const std::string& value,
                           const std::string& principal) {
  const SettingRule& rule = rule_for(name);
  if (rule.read_only) {
    throw core::invalid_parameter("The account setting '" + name + "' is read only.");
  }
  if (!rule.values.contains(value)) {
    std::string allowed;
    for (const auto& v : rule.values) allowed += (allowed.empty() ? "" : ", ") + v;
    throw core::invalid_parameter("Invalid value '" + value + "' for the account setting '" +
                                  name + "'. Valid values: " + allowed + ".");
  }
  return {{state::put_change(state::account_setting_key(principal, name),
                             AccountSettingRecord{principal, name, value})},
          {{"setting", render(name, value, principal, true)}}};
}

state::Outcome put_account_setting(const RequestContext& context, const ClusterState&) {
  const json::object& body = context.body;
  return put_setting(string_member(body, "name"), string_member(body, "value"),
                     string_member(body, "principalArn", context.caller_arn));
}

state::Outcome put_account_setting_default(const RequestContext& context, const ClusterState&) {
  return put_setting(string_member(context.body, "name"), string_member(context.body, "value"),
                     root_arn(context));
}

state::Outcome delete_account_setting(const RequestContext& context, const ClusterState& state) {
  std::string name = string_member(context.body, "name");
  std::string principal = string_member(context.body, "principalArn", context.caller_arn);
  rule_for(name);  // refuses names gantry does not know
  const AccountSettingRecord* existing = find(state, name, principal);
  if (!existing) {
    throw core::invalid_parameter("The account setting '" + name +
                                  "' is not set for the principal '" + principal + "'.");
  }
  return {{state::delete_change(state::account_setting_key(principal, name))},
          {{"setting", render(name, existing->value, principal, true)}}};
}

json::object list_account_settings(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  PageRequest page = read_page_request(body, 10);
  std::string only_name = string_member(body, "name");
  std::string only_value = string_member(body, "value");
  if (!only_value.empty() && only_name.empty()) {
    throw core::invalid_parameter("Filtering by value requires a setting name.");
  }
  std::string principal = string_member(body, "principalArn", context.caller_arn);
  bool effective = bool_member(body, "effectiveSettings", false);

  std::vector<json::object> settings;
  for (const auto& [name, rule] : setting_rules()) {
    if (!only_name.empty() && name != only_name) continue;
    json::object setting;
    if (const AccountSettingRecord* own = find(state, name, principal)) {
      setting = render(name, own->value, principal, true);
    } else if (!effective) {
      continue;
    } else if (const AccountSettingRecord* fallback = find(state, name, root_arn(context))) {
      setting = render(name, fallback->value, principal, true);
    } else {
      setting = render(name, rule.aws_default, principal, false);
    }
    if (!only_value.empty() && setting.at("value").as_string() != only_value) continue;
    settings.push_back(std::move(setting));
  }
  json::array items;
  json::object response;
  paginate(
      page, settings, [](const json::object& s) { return std::string(s.at("name").as_string()); },
      [&](const json::object& s) { items.push_back(s); }, response);
  response["settings"] = std::move(items);
  return response;
}

}  // namespace

void register_account_setting_handlers(Router& router, Services services) {
  router.add("PutAccountSetting", write_handler(services, put_account_setting));
  router.add("PutAccountSettingDefault", write_handler(services, put_account_setting_default));
  router.add("DeleteAccountSetting", write_handler(services, delete_account_setting));
  router.add("ListAccountSettings", read_handler(services, list_account_settings));
}

}  // namespace gantry::api
