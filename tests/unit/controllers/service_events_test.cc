#include "controllers/service_events.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace gantry::controllers {
namespace {

using namespace service_fixture;

TEST(ServiceReconcileEvents, WritesECSTexts) {
  EXPECT_EQ(tasks_started_message("web", {"a1", "b2"}),
            "(service web) has started 2 tasks: (task a1) (task b2).");
  EXPECT_EQ(tasks_started_message("web", {"a1"}, 1),
            "(service web) has started 1 tasks: (task a1). Amazon ECS replaced 1 tasks due to an "
            "unhealthy status.");
  EXPECT_EQ(tasks_stopped_message("web", {"a1"}),
            "(service web) has stopped 1 running tasks: (task a1).");
  EXPECT_EQ(fact_message("web", SteadyStateFact{}), "(service web) has reached a steady state.");
  EXPECT_EQ(fact_message("web", DeploymentCompletedFact{"ecs-svc/42"}),
            "(service web) (deployment ecs-svc/42) deployment completed.");
  EXPECT_EQ(fact_message("web", TasksStartedFact{"ecs-svc/42", 1, 0}), std::nullopt);
  EXPECT_EQ(scaling_activity_reason("ecs-svc/42"),
            "Scaling activity initiated by (deployment ecs-svc/42)");
  EXPECT_EQ(deployment_in_progress_reason("ecs-svc/42"), "ECS deployment ecs-svc/42 in progress.");
}

TEST(ServiceReconcileEvents, WritesPlacementFailures) {
  EXPECT_EQ(unable_to_place_message("web", "3f4de1c5", "RESOURCE:MEMORY"),
            "(service web) was unable to place a task because no container instance met all of its "
            "requirements. The closest matching (container-instance 3f4de1c5) has insufficient "
            "memory available. For more information, see the Troubleshooting section of the Amazon "
            "ECS Developer Guide.");
  EXPECT_EQ(unable_to_place_message("web", "", "MISSING"),
            "(service web) was unable to place a task because no container instance met all of its "
            "requirements. Reason: No Container Instances were found in your cluster. For more "
            "information, see the Troubleshooting section of the Amazon ECS Developer Guide.");
  EXPECT_NE(unable_to_place_message("web", "x", "AGENT").find("encountered error \"AGENT\"."),
            std::string::npos);
}

TEST(ServiceReconcileEvents, ARepeatOfTheNewestEventWaitsSixHours) {
  const std::string steady = "(service web) has reached a steady state.";
  std::vector<PostedEvent> events = {{steady, kNow}};
  EXPECT_TRUE(is_repeat(events, steady, kNow + 5h));
  EXPECT_FALSE(is_repeat(events, steady, kNow + 6h));
  EXPECT_FALSE(is_repeat(events, "(service web) has started 1 tasks: (task a).", kNow));
  events.insert(events.begin(), {"(service web) has started 1 tasks: (task a).", kNow + 1min});
  EXPECT_FALSE(is_repeat(events, steady, kNow + 2min));  // something happened since
  EXPECT_FALSE(is_repeat({}, steady, kNow));
}

}  // namespace
}  // namespace gantry::controllers
