// The account settings (api/account_settings.cc) through the Router:
// PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting,
// ListAccountSettings. The caller is the account's root principal.
#include <gtest/gtest.h>

#include "api_test_support.h"

namespace gantry::api {
namespace {

namespace json = boost::json;
using test_support::HandlerHarness;

constexpr const char* kRoot = "arn:aws:iam::123456789012:root";
constexpr const char* kUser = "arn:aws:iam::123456789012:user/alice";

json::object setting(const char* name, const char* value, const char* principal,
                     const char* type = "user") {
  return {{"name", name}, {"value", value}, {"principalArn", principal}, {"type", type}};
}

TEST(AccountSettingsApi, PutAnswersTheSettingOfTheCaller) {
  HandlerHarness api;
  auto answer = api.ok("PutAccountSetting", {{"name", "containerInsights"}, {"value", "enabled"}});
  EXPECT_EQ(answer.at("setting"), setting("containerInsights", "enabled", kRoot));
  EXPECT_EQ(api.ok("ListAccountSettings", {}).at("settings"),
            json::array{setting("containerInsights", "enabled", kRoot)});
}

TEST(AccountSettingsApi, APrincipalsOwnSettingComesBeforeTheAccountDefault) {
  HandlerHarness api;
  api.ok("PutAccountSettingDefault", {{"name", "awsvpcTrunking"}, {"value", "enabled"}});
  api.ok("PutAccountSetting",
         {{"name", "containerInsights"}, {"value", "enhanced"}, {"principalArn", kUser}});
  // Only what is set for the principal, without effectiveSettings.
  EXPECT_EQ(api.ok("ListAccountSettings", {{"principalArn", kUser}}).at("settings"),
            json::array{setting("containerInsights", "enhanced", kUser)});
  // With it: the principal's own, else the account default, else AWS's.
  auto effective =
      api.ok("ListAccountSettings",
             {{"principalArn", kUser}, {"effectiveSettings", true}, {"maxResults", 10}});
  json::object by_name;
  for (const auto& s : effective.at("settings").as_array()) {
    by_name[s.at("name").as_string()] = s;
  }
  EXPECT_EQ(by_name.at("containerInsights"), setting("containerInsights", "enhanced", kUser));
  EXPECT_EQ(by_name.at("awsvpcTrunking"), setting("awsvpcTrunking", "enabled", kUser));
  EXPECT_EQ(by_name.at("serviceLongArnFormat"),
            setting("serviceLongArnFormat", "enabled", kUser, "aws_managed"));
}

TEST(AccountSettingsApi, ListFiltersByNameAndValue) {
  HandlerHarness api;
  api.ok("PutAccountSetting", {{"name", "containerInsights"}, {"value", "enabled"}});
  api.ok("PutAccountSetting", {{"name", "awsvpcTrunking"}, {"value", "enabled"}});
  EXPECT_EQ(api.ok("ListAccountSettings", {{"name", "awsvpcTrunking"}}).at("settings"),
            json::array{setting("awsvpcTrunking", "enabled", kRoot)});
  EXPECT_EQ(api.ok("ListAccountSettings", {{"name", "awsvpcTrunking"}, {"value", "disabled"}})
                .at("settings"),
            json::array());
  auto error = api.error("ListAccountSettings", {{"value", "enabled"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), "Filtering by value requires a setting name.");
}

TEST(AccountSettingsApi, BadValuesAndReadOnlySettingsAreRefused) {
  HandlerHarness api;
  auto bad = api.error("PutAccountSetting", {{"name", "awsvpcTrunking"}, {"value", "maybe"}});
  EXPECT_EQ(bad.type(), "InvalidParameterException");
  EXPECT_EQ(bad.message(),
            "Invalid value 'maybe' for the account setting 'awsvpcTrunking'. Valid values: "
            "disabled, enabled.");
  auto read_only = api.error("PutAccountSetting", {{"name", "guardDutyActivate"}, {"value", "on"}});
  EXPECT_EQ(read_only.type(), "InvalidParameterException");
  EXPECT_EQ(read_only.message(), "The account setting 'guardDutyActivate' is read only.");
  EXPECT_EQ(api.ok("ListAccountSettings", {}).at("settings"), json::array());
}

TEST(AccountSettingsApi, DeleteRemovesTheSettingAndRefusesOneNotSet) {
  HandlerHarness api;
  api.ok("PutAccountSetting", {{"name", "containerInsights"}, {"value", "enabled"}});
  EXPECT_EQ(api.ok("DeleteAccountSetting", {{"name", "containerInsights"}}).at("setting"),
            setting("containerInsights", "enabled", kRoot));
  EXPECT_EQ(api.ok("ListAccountSettings", {}).at("settings"), json::array());
  auto error = api.error("DeleteAccountSetting", {{"name", "containerInsights"}});
  EXPECT_EQ(error.type(), "InvalidParameterException");
  EXPECT_EQ(error.message(), std::string("The account setting 'containerInsights' is not set for "
                                         "the principal '") +
                                 kRoot + "'.");
}

}  // namespace
}  // namespace gantry::api
