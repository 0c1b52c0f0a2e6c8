#include "state/cluster_state.h"

#include <gtest/gtest.h>

namespace gantry::state {
namespace {

namespace json = boost::json;

Change revision(const std::string& family, int64_t n, const std::string& status) {
  json::object doc{{"family", family}, {"revision", n}, {"status", status}};
  return put_change(task_definition_key(family, n), TaskDefinitionRecord{doc, json::array{}});
}

TEST(ClusterStateTest, LatestActiveSkipsInactiveRevisions) {
  ClusterState state;
  state.apply(revision("web", 1, "ACTIVE"));
  state.apply(revision("web", 2, "ACTIVE"));
  state.apply(revision("web", 3, "INACTIVE"));
  ASSERT_NE(state.latest_active("web"), nullptr);
  EXPECT_EQ(state.latest_active("web")->revision(), 2);
  EXPECT_EQ(state.last_revision("web"), 3);
  EXPECT_EQ(state.latest_active("db"), nullptr);
  EXPECT_EQ(state.last_revision("db"), 0);
}

TEST(ClusterStateTest, RevisionsOrderNumericallyNotLexically) {
  ClusterState state;
  state.apply(revision("web", 9, "ACTIVE"));
  state.apply(revision("web", 10, "ACTIVE"));
  EXPECT_EQ(state.latest_active("web")->revision(), 10);
  EXPECT_LT(task_definition_key("web", 9), task_definition_key("web", 10));
}

TEST(ClusterStateTest, DeleteRemovesRecords) {
  ClusterState state;
  state.apply(put_change(cluster_key("a"), ClusterRecord{json::object{{"clusterName", "a"}}}));
  state.apply(revision("web", 1, "ACTIVE"));
  state.apply(delete_change(cluster_key("a")));
  state.apply(delete_change(task_definition_key("web", 1)));
  EXPECT_EQ(state.cluster("a"), nullptr);
  EXPECT_TRUE(state.families().empty());
}

TEST(ClusterStateTest, RecordsRoundTripThroughTheirEncoding) {
  TaskDefinitionRecord definition{json::object{{"family", "f"}, {"revision", 4}},
                                  json::array{json::object{{"key", "k"}, {"value", "v"}}}};
  std::string key = task_definition_key("f", 4);
  Record decoded = decode_record(key, encode_record(definition));
  const auto& back = std::get<TaskDefinitionRecord>(decoded);
  EXPECT_EQ(back.doc, definition.doc);
  EXPECT_EQ(back.tags, definition.tags);

  AccountSettingRecord setting{"arn:aws:iam::1:root", "containerInsights", "enabled"};
  std::string setting_key = account_setting_key(setting.principal_arn, setting.name);
  Record decoded_setting = decode_record(setting_key, encode_record(setting));
  const auto& s = std::get<AccountSettingRecord>(decoded_setting);
  EXPECT_EQ(s.value, "enabled");
  EXPECT_EQ(s.principal_arn, setting.principal_arn);
  ClusterState state;
  state.apply(put_change(setting_key, setting));
  EXPECT_EQ(state.account_settings().count({"containerInsights", "arn:aws:iam::1:root"}), 1u);
}

TEST(ClusterStateTest, CapacityProvidersAreKeptAccountWideByName) {
  CapacityProviderRecord provider{json::object{{"name", "gpu"}, {"status", "ACTIVE"}}};
  std::string key = capacity_provider_key("gpu");
  EXPECT_EQ(key, "capacity-providers/gpu");
  Record decoded = decode_record(key, encode_record(provider));
  EXPECT_EQ(std::get<CapacityProviderRecord>(decoded).doc, provider.doc);
  ClusterState state;
  state.apply(put_change(key, provider));
  ASSERT_NE(state.capacity_provider("gpu"), nullptr);
  EXPECT_EQ(state.capacity_provider("gpu")->status(), "ACTIVE");
  EXPECT_EQ(state.capacity_providers().size(), 1u);
  state.apply(delete_change(key));
  EXPECT_EQ(state.capacity_provider("gpu"), nullptr);
}

TEST(ClusterStateTest, CorruptRecordsAreFaults) {
  EXPECT_THROW(decode_record("clusters/a", "not json"), std::runtime_error);
  EXPECT_THROW(decode_record("taskdefs/f/0000000001", "{}"), std::runtime_error);
  EXPECT_THROW(decode_record("elsewhere/x", "{}"), std::runtime_error);
}

}  // namespace
}  // namespace gantry::state
