// The service commands (ecs/service_commands.h) on a hand-built draft: what
// the API tests cannot reach without a controller (an INACTIVE service),
// the record's store round trip, and the counts read from the tasks.
#include "ecs/service_commands.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "ecs/placement_indexes.h"
#include "ecs/service_deployments.h"
#include "ecs/service_view.h"
#include "fakes/record_changes.h"

namespace gantry::ecs {
namespace {

namespace json = boost::json;

class ServiceCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    apply({testing::active_cluster_change("web", "eu-west-1")});
    json::object definition = json::parse(R"({"family":"app","revision":1,"status":"ACTIVE",
        "taskDefinitionArn":"arn:aws:ecs:eu-west-1:1:task-definition/app:1",
        "containerDefinitions":[{"name":"main","image":"busybox","memory":512}]})")
                                  .as_object();
    apply({testing::task_definition_change(std::move(definition))});
  }

  Context context() { return {draft_, indexes_, *ids_, now_, "1", "eu-west-1"}; }
  void apply(const std::vector<state::Change>& changes) {
    for (const auto& change : changes) draft_.apply(change);
  }
  ServiceWritten create(int desired) {
    return create_service(context(), {json::object{{"cluster", "web"},
                                                   {"serviceName", "api"},
                                                   {"taskDefinition", "app"},
                                                   {"desiredCount", desired}},
                                      "arn:aws:iam::1:root"});
  }

  state::ClusterState draft_;
  PlacementIndexes indexes_;
  std::unique_ptr<core::Random> ids_ = core::make_seeded_random(5);
  core::SystemTime now_{std::chrono::seconds{1700000000}};
};

TEST_F(ServiceCommandsTest, AServiceRecordRoundTripsThroughTheStore) {
  auto created = create(2);
  ASSERT_EQ(created.changes.size(), 1u);
  const state::Change& change = created.changes[0];
  EXPECT_EQ(change.key, "services/web/api");
  state::Record decoded = state::decode_record(change.key, state::encode_record(*change.record));
  const auto& record = std::get<state::ServiceRecord>(decoded);
  EXPECT_EQ(record.cluster, "web");
  EXPECT_EQ(record.name(), "api");
  EXPECT_EQ(record.doc, std::get<state::ServiceRecord>(*change.record).doc);
  EXPECT_EQ(record.request, std::get<state::ServiceRecord>(*change.record).request);
}

TEST_F(ServiceCommandsTest, AnInactiveServiceMayBeCreatedAgain) {
  auto created = create(0);
  apply(created.changes);
  state::ServiceRecord inactive = *draft_.service("web", "api");
  inactive.doc["status"] = "INACTIVE";
  apply({service_change(inactive)});
  EXPECT_EQ(draft_.counts("web").active_services, 0);
  auto again = create(3);
  ASSERT_EQ(again.changes.size(), 1u);
  apply(again.changes);
  const state::ServiceRecord* service = draft_.service("web", "api");
  EXPECT_EQ(service->status(), "ACTIVE");
  EXPECT_EQ(service->doc.at("desiredCount"), 3);
  EXPECT_NE(primary_deployment(service->doc)->at("id"), primary_deployment(inactive.doc)->at("id"));
  EXPECT_EQ(draft_.counts("web").active_services, 1);
}

TEST_F(ServiceCommandsTest, CountsComeFromTheServicesTasks) {
  auto created = create(2);
  apply(created.changes);
  const state::ServiceRecord& service = *draft_.service("web", "api");
  std::string deployment(primary_deployment(service.doc)->at("id").as_string());
  auto task = [&](const char* id, const char* status) {
    json::object doc{{"taskArn", std::string("arn:aws:ecs:eu-west-1:1:task/web/") + id},
                     {"lastStatus", status},
                     {"desiredStatus", "RUNNING"},
                     {"group", "service:api"},
                     {"startedBy", deployment}};
    return state::put_change(state::task_key("web", id), state::TaskRecord("web", doc, {}, "", ""));
  };
  apply({task("a1", "RUNNING"), task("a2", "PENDING"), task("a3", "STOPPED")});
  json::object shown = render_service(draft_, service, false);
  EXPECT_EQ(shown.at("runningCount"), 1);
  EXPECT_EQ(shown.at("pendingCount"), 1);
  EXPECT_EQ(shown.at("deployments").at(0).at("runningCount"), 1);
  EXPECT_EQ(shown.at("deployments").at(0).at("pendingCount"), 1);
}

TEST_F(ServiceCommandsTest, ANewDeploymentSupersedesThePrimaryUntilRemoved) {
  json::object service = std::get<state::ServiceRecord>(*create(2).changes[0].record).doc;
  json::value first = primary_deployment(service)->at("id");
  start_deployment(service, new_deployment(context(), service, {}), 5);
  const auto& deployments = service.at("deployments").as_array();
  ASSERT_EQ(deployments.size(), 2u);
  EXPECT_EQ(deployments[1].at("id"), first);
  EXPECT_EQ(deployments[1].at("status"), "ACTIVE");
  EXPECT_EQ(deployments[1].at("updatedAt"), 5.0);
  EXPECT_TRUE(remove_deployment(service, first.as_string()));
  EXPECT_FALSE(remove_deployment(service, first.as_string()));
  EXPECT_EQ(service.at("deployments").as_array().size(), 1u);
  EXPECT_NE(primary_deployment(service)->at("id"), first);
  set_rollout_state(*primary_deployment(service), "COMPLETED", "ECS deployment x completed.", 9);
  EXPECT_EQ(primary_deployment(service)->at("rolloutState"), "COMPLETED");
}

TEST_F(ServiceCommandsTest, EventsAreKeptNewestFirstAndAtMostAHundred) {
  json::object doc;
  for (int i = 0; i < 105; ++i) add_service_event(doc, *ids_, i, "event " + std::to_string(i));
  ASSERT_EQ(doc.at("events").as_array().size(), kMaxServiceEvents);
  EXPECT_EQ(doc.at("events").at(0).at("message"), "event 104");
  EXPECT_EQ(doc.at("events").at(99).at("message"), "event 5");
}

}  // namespace
}  // namespace gantry::ecs
