// The XID table: the catalog's classes and actions for the XIDs jobs meet.
#include "agent/gpu/xid_catalog.h"

#include <gtest/gtest.h>

namespace gantry::agent::gpu {
namespace {

struct Case {
  int xid;
  XidClass kind;
  std::string_view action;
};

TEST(XidCatalogTest, ClassesAndActionsAsTheCatalogNamesThem) {
  const Case cases[] = {
      {13, XidClass::kApplication, "RESTART_APP"}, {31, XidClass::kApplication, "RESTART_APP"},
      {43, XidClass::kApplication, "RESTART_APP"}, {45, XidClass::kApplication, "NONE"},
      {94, XidClass::kApplication, "RESTART_APP"}, {48, XidClass::kHardware, "RESET_GPU"},
      {64, XidClass::kHardware, "RESET_GPU"},      {74, XidClass::kHardware, "RESET_GPU"},
      {79, XidClass::kHardware, "RESTART_BM"},     {95, XidClass::kHardware, "RESET_GPU"},
      {119, XidClass::kHardware, "RESET_GPU"},     {120, XidClass::kHardware, "RESET_GPU"},
  };
  for (const auto& c : cases) {
    XidEntry entry = classify_xid(c.xid);
    EXPECT_EQ(entry.xid, c.xid);
    EXPECT_EQ(entry.kind, c.kind) << "XID " << c.xid;
    EXPECT_EQ(xid_action_name(entry.action), c.action) << "XID " << c.xid;
    EXPECT_FALSE(entry.description.empty());
  }
  EXPECT_EQ(classify_xid(79).description, "GPU has fallen off the bus");
}

TEST(XidCatalogTest, AnXidTheCatalogDoesNotListIsAHardwareFault) {
  for (int xid : {0, 1, 1000, -5}) {
    XidEntry entry = classify_xid(xid);
    EXPECT_EQ(entry.kind, XidClass::kHardware) << xid;
    EXPECT_EQ(entry.action, XidAction::kResetGpu);
    EXPECT_EQ(entry.description, "Unknown XID");
  }
}

}  // namespace
}  // namespace gantry::agent::gpu
