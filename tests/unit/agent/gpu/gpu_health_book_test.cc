// A GPU's health from XID events and polls: which make it unhealthy, with
// what reason, and that the first fault is the one kept.
#include "agent/gpu/gpu_health_book.h"

#include <gtest/gtest.h>

#include "agent/gpu/nvml_abi.h"

namespace gantry::agent::gpu {
namespace {

class GpuHealthBookTest : public testing::Test {
 protected:
  const model::GpuHealth& gpu(size_t i) const { return book_.gpus().at(i); }
  GpuHealthBook book_{{"GPU-a", "GPU-b"}};
};

TEST_F(GpuHealthBookTest, EveryGpuStartsHealthy) {
  ASSERT_EQ(book_.gpus().size(), 2u);
  EXPECT_TRUE(gpu(0).healthy());
  EXPECT_EQ(gpu(0).uuid, "GPU-a");
  EXPECT_TRUE(gpu(0).reason.empty());
  EXPECT_EQ(gpu(0).last_xid, 0);
}

TEST_F(GpuHealthBookTest, AHardwareXidMakesItsGpuUnhealthyAtOnce) {
  EXPECT_TRUE(book_.on_xid("GPU-b", 79, 100.5));
  EXPECT_TRUE(gpu(0).healthy());
  EXPECT_FALSE(gpu(1).healthy());
  EXPECT_EQ(gpu(1).reason, "XID_79");
  EXPECT_EQ(gpu(1).message, "XID 79: GPU has fallen off the bus");
  EXPECT_EQ(gpu(1).action, "RESTART_BM");
  EXPECT_EQ(gpu(1).last_xid, 79);
  EXPECT_EQ(gpu(1).changed_at, 100.5);

  // A later fault is reported as the last XID but the first stays the reason.
  EXPECT_TRUE(book_.on_xid("GPU-b", 48, 101));
  EXPECT_EQ(gpu(1).reason, "XID_79");
  EXPECT_EQ(gpu(1).last_xid, 48);
  EXPECT_EQ(gpu(1).changed_at, 100.5);
}

TEST_F(GpuHealthBookTest, AnApplicationXidLeavesTheGpuHealthyAndSaysWhatHappened) {
  EXPECT_TRUE(book_.on_xid("GPU-a", 13, 5));
  EXPECT_TRUE(gpu(0).healthy());
  EXPECT_EQ(gpu(0).last_xid, 13);
  EXPECT_EQ(gpu(0).message, "XID 13: Graphics Engine Exception");
  EXPECT_TRUE(gpu(0).reason.empty());
  EXPECT_EQ(gpu(0).changed_at, 5);
}

TEST_F(GpuHealthBookTest, AnUnknownGpuChangesNothing) {
  EXPECT_FALSE(book_.on_xid("GPU-z", 79, 1));
  EXPECT_FALSE(book_.on_poll("GPU-z", GpuPoll{.lost = true}, 1));
  EXPECT_TRUE(gpu(0).healthy());
  EXPECT_TRUE(gpu(1).healthy());
}

TEST_F(GpuHealthBookTest, PollsFindWhatTheDriverReports) {
  struct Case {
    GpuPoll poll;
    std::string_view reason;
    std::string_view action;
  };
  const Case cases[] = {
      {GpuPoll{.lost = true}, "GPU_IS_LOST", "RESTART_BM"},
      {GpuPoll{.recovery_action = NVML_GPU_RECOVERY_ACTION_GPU_RESET}, "RECOVERY_ACTION_GPU_RESET",
       "RESET_GPU"},
      {GpuPoll{.recovery_action = NVML_GPU_RECOVERY_ACTION_NODE_REBOOT},
       "RECOVERY_ACTION_NODE_REBOOT", "RESTART_BM"},
      {GpuPoll{.remap_pending = true}, "ROW_REMAP_PENDING", "RESET_GPU"},
  };
  for (const auto& c : cases) {
    GpuHealthBook book({"GPU-a"});
    EXPECT_FALSE(book.on_poll("GPU-a", GpuPoll{}, 1));
    EXPECT_TRUE(book.on_poll("GPU-a", c.poll, 2)) << c.reason;
    EXPECT_EQ(book.gpus()[0].reason, c.reason);
    EXPECT_EQ(book.gpus()[0].action, c.action);
    EXPECT_EQ(book.gpus()[0].changed_at, 2);
    EXPECT_FALSE(book.on_poll("GPU-a", c.poll, 3)) << "reported once";
  }
}

TEST_F(GpuHealthBookTest, HardwareSlowdownIsNotAFault) {
  EXPECT_FALSE(book_.on_poll("GPU-a", GpuPoll{.hardware_slowdown = true}, 1));
  EXPECT_TRUE(gpu(0).healthy());
}

TEST_F(GpuHealthBookTest, UncorrectedEccThatRisesIsAFaultUnlessTheDriverContainedIt) {
  // The count at the first poll is where the watch starts.
  EXPECT_FALSE(book_.on_poll("GPU-a", GpuPoll{.uncorrected_ecc = 3}, 1));
  EXPECT_FALSE(book_.on_poll("GPU-a", GpuPoll{.uncorrected_ecc = 3}, 2));
  // XID 94 (contained to one application) explains a rise.
  book_.on_xid("GPU-a", 94, 3);
  EXPECT_FALSE(book_.on_poll("GPU-a", GpuPoll{.uncorrected_ecc = 4}, 4));
  EXPECT_TRUE(gpu(0).healthy());
  // Without one, it is a fault.
  EXPECT_TRUE(book_.on_poll("GPU-a", GpuPoll{.uncorrected_ecc = 5}, 5));
  EXPECT_EQ(gpu(0).reason, "ECC_UNCORRECTED");
  EXPECT_EQ(gpu(0).message, "uncorrectable ECC errors: 5");
}

}  // namespace
}  // namespace gantry::agent::gpu
