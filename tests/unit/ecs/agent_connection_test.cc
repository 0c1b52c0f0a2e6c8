// agentConnected is durable: a member of the instance record that the
// agent channel's command sets, that placement reads, and that the control
// plane clears for every instance when it starts.
#include <gtest/gtest.h>

#include "core/random.h"
#include "ecs/container_instance_commands.h"
#include "ecs/placement_indexes.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

state::Change instance(std::string_view id, bool connected) {
  json::object doc{{"containerInstanceArn",
                    "arn:aws:ecs:us-east-1:1:container-instance/web/" + std::string(id)},
                   {"status", "ACTIVE"},
                   {"version", 1}};
  if (connected) doc["agentConnected"] = true;
  return state::put_change(state::container_instance_key("web", id),
                           state::ContainerInstanceRecord{"web", std::move(doc)});
}

class AgentConnectionTest : public testing::Test {
 protected:
  Context context() { return {draft_, indexes_, *ids_, {}, "1", "us-east-1"}; }
  std::vector<state::TouchedInstance> apply(const std::vector<state::Change>& changes) {
    std::vector<state::TouchedInstance> touched;
    for (const auto& change : changes) {
      if (auto t = draft_.apply(change)) {
        indexes_.touched(draft_, *t);
        touched.push_back(*t);
      }
    }
    return touched;
  }
  bool connected(std::string_view id) { return draft_.instance("web", id)->agent_connected(); }

  state::ClusterState draft_;
  PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(1);
};

TEST_F(AgentConnectionTest, TheCommandSetsTheRecordAndPlacementSeesIt) {
  apply({instance("i1", false)});
  EXPECT_FALSE(indexes_.of(draft_, "web").find("i1")->agent_connected);

  auto touched = apply(set_agent_connection(context(), {"web", "i1", true}));
  ASSERT_EQ(touched.size(), 1u);
  EXPECT_TRUE(touched[0].own_record);
  EXPECT_TRUE(touched[0].connection_only);  // the channel need not push the whole set again
  EXPECT_TRUE(connected("i1"));
  EXPECT_EQ(draft_.instance("web", "i1")->doc.at("version"), 1);  // not an ECS version change
  EXPECT_TRUE(indexes_.of(draft_, "web").find("i1")->agent_connected);

  // Already so, or no such instance: nothing to write.
  EXPECT_TRUE(set_agent_connection(context(), {"web", "i1", true}).empty());
  EXPECT_TRUE(set_agent_connection(context(), {"web", "nope", false}).empty());

  apply(set_agent_connection(context(), {"web", "i1", false}));
  EXPECT_FALSE(connected("i1"));
  EXPECT_FALSE(indexes_.of(draft_, "web").find("i1")->agent_connected);
}

TEST_F(AgentConnectionTest, OtherRecordChangesAreNotConnectionChanges) {
  apply({instance("i1", false)});
  state::ContainerInstanceRecord record = *draft_.instance("web", "i1");
  record.doc["agentConnected"] = true;
  record.doc["status"] = "DRAINING";
  auto touched = apply({state::put_change(state::container_instance_key("web", "i1"), record)});
  ASSERT_EQ(touched.size(), 1u);
  EXPECT_FALSE(touched[0].connection_only);
}

TEST_F(AgentConnectionTest, StartingMarksEveryInstanceDisconnected) {
  apply({state::put_change(state::cluster_key("web"),
                           state::ClusterRecord{json::object{{"clusterName", "web"},
                                                             {"status", "ACTIVE"}}}),
         instance("i1", true), instance("i2", false), instance("i3", true)});
  auto changes = disconnect_all_agents(context());
  EXPECT_EQ(changes.size(), 2u);
  apply(changes);
  EXPECT_FALSE(connected("i1"));
  EXPECT_FALSE(connected("i2"));
  EXPECT_FALSE(connected("i3"));
}

TEST_F(AgentConnectionTest, TheMemberSurvivesTheStore) {
  apply(set_agent_connection(context(), {"web", "i1", true}));  // nothing: no instance yet
  state::Change change = instance("i1", true);
  std::string key = change.key;
  state::Record decoded = state::decode_record(key, state::encode_record(*change.record));
  EXPECT_TRUE(std::get<state::ContainerInstanceRecord>(decoded).agent_connected());
}

}  // namespace
}  // namespace gantry::ecs
