// Discovery and the watcher against the fake NVML (tests/fake_nvml), loaded
// through the same dlopen path as libnvidia-ml.so.1. Each round is run by
// the test with no wait, and the poll's pace is the fake clock's.
#include "agent/gpu/gpu_watcher.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace gantry::agent::gpu {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::string_view kHealthy = R"({"driver_version": "550.54.15", "gpus": [
  {"uuid": "GPU-aaaa", "name": "NVIDIA H100 80GB HBM3", "memory_mib": 81559,
   "pci_bus_id": "00000000:18:00.0"},
  {"uuid": "GPU-bbbb", "name": "NVIDIA H100 80GB HBM3", "memory_mib": 81559}]})";

class GpuWatcherTest : public testing::Test {
 protected:
  GpuWatcherTest() {
    char pattern[] = "/tmp/gantry-fake-nvml-XXXXXX";
    dir_ = mkdtemp(pattern);
    file_ = dir_ / "gpus.json";
    write(kHealthy);
    setenv("GANTRY_FAKE_NVML", file_.c_str(), 1);
  }
  ~GpuWatcherTest() override {
    watcher_.reset();
    unsetenv("GANTRY_FAKE_NVML");
    std::filesystem::remove_all(dir_);
  }
  void write(std::string_view text) {
    std::ofstream(file_.string() + ".new") << text;
    std::filesystem::rename(file_.string() + ".new", file_);  // never seen half-written
  }
  // The second GPU with `fault` added to its members.
  void fault(std::string_view fault) {
    json::object doc = json::parse(kHealthy).as_object();
    json::object& gpu = doc.at("gpus").as_array().at(1).as_object();
    json::value added = json::parse(fault);
    for (auto& [key, value] : added.as_object()) gpu[key] = value;
    write(json::serialize(doc));
  }
  void start_watching() {
    auto nvml = NvmlLibrary::open(GANTRY_FAKE_NVML_LIBRARY);
    GpuInventory inventory = discover(*nvml);
    watcher_ = std::make_unique<GpuWatcher>(
        std::move(nvml), std::move(inventory), clock_,
        [this](std::vector<model::GpuHealth> health) { reports_.push_back(std::move(health)); },
        GpuWatcherOptions{.poll_interval = milliseconds(2000)});
    watcher_->run_once(milliseconds(0));  // the first poll
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
  core::FakeClock clock_;
  std::unique_ptr<GpuWatcher> watcher_;
  std::vector<std::vector<model::GpuHealth>> reports_;
};

TEST_F(GpuWatcherTest, DiscoveryListsTheGpusAndTheAttributesToRegister) {
  auto nvml = NvmlLibrary::open(GANTRY_FAKE_NVML_LIBRARY);
  GpuInventory inventory = discover(*nvml);
  EXPECT_EQ(inventory.driver_version, "550.54.15");
  ASSERT_EQ(inventory.devices.size(), 2u);
  EXPECT_EQ(inventory.devices[0].uuid, "GPU-aaaa");
  EXPECT_EQ(inventory.devices[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(inventory.devices[0].memory_mib, 81559);
  EXPECT_EQ(inventory.devices[0].pci_bus_id, "00000000:18:00.0");
  EXPECT_EQ(inventory.devices[1].uuid, "GPU-bbbb");
  using Attributes = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(gpu_attributes(inventory),
            (Attributes{{"ecs.capability.nvidia-driver-version.550.54.15", ""},
                        {"gantry.gpu.driver-version", "550.54.15"},
                        {"gantry.gpu.model", "NVIDIA H100 80GB HBM3"}}));
}

TEST_F(GpuWatcherTest, NoLibraryOrNoDriverSaysWhy) {
  EXPECT_THROW(
      {
        try {
          NvmlLibrary::open("/nonexistent/libnvidia-ml.so.1");
        } catch (const std::runtime_error& error) {
          EXPECT_NE(std::string(error.what()).find("cannot load /nonexistent"), std::string::npos);
          throw;
        }
      },
      std::runtime_error);
  setenv("GANTRY_FAKE_NVML", (dir_ / "missing.json").c_str(), 1);
  EXPECT_THROW(
      {
        try {
          NvmlLibrary::open(GANTRY_FAKE_NVML_LIBRARY);
        } catch (const std::runtime_error& error) {
          EXPECT_NE(std::string(error.what()).find("nvmlInit_v2 failed"), std::string::npos);
          throw;
        }
      },
      std::runtime_error);
}

TEST_F(GpuWatcherTest, AHardwareXidIsReportedAtOnce) {
  start_watching();
  EXPECT_TRUE(reports_.empty());  // all healthy: nothing new to say
  fault(R"({"xids": [79]})");
  watcher_->run_once(milliseconds(0));
  ASSERT_EQ(reports_.size(), 1u);
  ASSERT_EQ(reports_[0].size(), 2u);
  EXPECT_TRUE(reports_[0][0].healthy());
  EXPECT_FALSE(reports_[0][1].healthy());
  EXPECT_EQ(reports_[0][1].uuid, "GPU-bbbb");
  EXPECT_EQ(reports_[0][1].reason, "XID_79");
  EXPECT_EQ(reports_[0][1].message, "XID 79: GPU has fallen off the bus");
  // Delivered once: the next round has nothing to say.
  watcher_->run_once(milliseconds(0));
  EXPECT_EQ(reports_.size(), 1u);
  EXPECT_EQ(watcher_->health(), reports_[0]);
}

TEST_F(GpuWatcherTest, AnApplicationXidIsReportedWithTheGpuStillHealthy) {
  start_watching();
  fault(R"({"xids": [13]})");
  watcher_->run_once(milliseconds(0));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_TRUE(reports_[0][1].healthy());
  EXPECT_EQ(reports_[0][1].last_xid, 13);
}

TEST_F(GpuWatcherTest, PollsFindALostGpuWhenTheyFallDue) {
  start_watching();
  fault(R"({"lost": true})");
  watcher_->run_once(milliseconds(0));
  EXPECT_TRUE(reports_.empty());  // the next poll is not due yet
  clock_.advance(std::chrono::seconds(2));
  watcher_->run_once(milliseconds(0));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0][1].reason, "GPU_IS_LOST");
  EXPECT_TRUE(reports_[0][0].healthy());
}

TEST_F(GpuWatcherTest, PollsReadTheRecoveryActionAndPendingRemaps) {
  start_watching();
  fault(R"({"recovery_action": 1})");
  clock_.advance(std::chrono::seconds(2));
  watcher_->run_once(milliseconds(0));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0][1].reason, "RECOVERY_ACTION_GPU_RESET");
}

TEST_F(GpuWatcherTest, XidOneFiftyFourPollsAtOnce) {
  start_watching();
  fault(R"({"pending_remapped_rows": true, "xids": [154]})");
  watcher_->run_once(milliseconds(0));  // no time has passed
  ASSERT_FALSE(reports_.empty());
  EXPECT_EQ(reports_.back()[1].reason, "ROW_REMAP_PENDING");
}

}  // namespace
}  // namespace gantry::agent::gpu
