// The container and container instance lifecycles, one transition() each.
#include <gtest/gtest.h>

#include "model/container_lifecycle.h"
#include "model/instance_lifecycle.h"

namespace gantry::model {
namespace {

TEST(InstanceLifecycle, ActiveAndDrainingMoveIntoEachOtherAndEndInactive) {
  using S = InstanceStatus;
  EXPECT_EQ(transition(S::kActive, S::kDraining), S::kDraining);
  EXPECT_EQ(transition(S::kDraining, S::kActive), S::kActive);
  EXPECT_EQ(transition(S::kActive, S::kActive), S::kActive);
  EXPECT_EQ(transition(S::kDraining, S::kInactive), S::kInactive);
  EXPECT_FALSE(transition(S::kInactive, S::kActive));
  EXPECT_FALSE(transition(S::kActive, S::kRegistering));
  EXPECT_EQ(parse_instance_status("DRAINING"), S::kDraining);
  EXPECT_EQ(instance_status_name(S::kRegistrationFailed), "REGISTRATION_FAILED");
  EXPECT_FALSE(parse_instance_status("BOGUS"));
  EXPECT_TRUE(is_registered("ACTIVE"));
  EXPECT_FALSE(is_registered("INACTIVE"));
}

TEST(ContainerLifecycle, OnlyMovesForward) {
  using S = ContainerStatus;
  EXPECT_EQ(transition(S::kPending, S::kRunning), S::kRunning);
  EXPECT_EQ(transition(S::kStopped, S::kRunning), S::kStopped);
  EXPECT_EQ(transition(S::kRunning, S::kPending), S::kRunning);
  EXPECT_EQ(parse_container_status("STOPPED"), S::kStopped);
  EXPECT_EQ(container_status_name(S::kPending), "PENDING");
}

}  // namespace
}  // namespace gantry::model
