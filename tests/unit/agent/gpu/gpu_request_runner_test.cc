// The GPU request runner with the watcher against the fake NVML
// (tests/fake_nvml): the built-in check, the operator's commands (their
// environment, output, exit codes and timeouts), recovery, return, and one
// run per request id. Results come from the runner's thread; each test waits
// for them on a condition, with a generous bound.
#include "agent/gpu/gpu_request_runner.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/gpu/gpu_watcher.h"

namespace gantry::agent::gpu {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using model::GpuRequest;
using model::GpuRequestResult;

constexpr std::string_view kHealthy = R"({"driver_version": "550.54.15", "gpus": [
  {"uuid": "GPU-aaaa", "pci_bus_id": "00000000:18:00.0"},
  {"uuid": "GPU-bbbb"}]})";

constexpr auto kBound = std::chrono::seconds(60);

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GpuRequestRunnerTest : public testing::Test {
 protected:
  GpuRequestRunnerTest() {
    char pattern[] = "/tmp/gantry-gpu-requests-XXXXXX";
    dir_ = mkdtemp(pattern);
    file_ = dir_ / "gpus.json";
    write(file_, kHealthy);
    setenv("GANTRY_FAKE_NVML", file_.c_str(), 1);
    auto nvml = NvmlLibrary::open(GANTRY_FAKE_NVML_LIBRARY);
    GpuInventory inventory = discover(*nvml);
    for (const auto& device : inventory.devices) gpus_.push_back({device.uuid, device.pci_bus_id});
    watcher_ = std::make_unique<GpuWatcher>(
        std::move(nvml), std::move(inventory), clock_,
        [this](std::vector<model::GpuHealth> health) {
          std::lock_guard lock(mutex_);
          published_.push_back(std::move(health));
        });
    watcher_->run_once(milliseconds(0));  // the first poll
  }
  ~GpuRequestRunnerTest() override {
    runner_.reset();
    watcher_.reset();
    unsetenv("GANTRY_FAKE_NVML");
    std::filesystem::remove_all(dir_);
  }
  static void write(const std::filesystem::path& path, std::string_view text) {
    std::ofstream(path.string() + ".new") << text;
    std::filesystem::rename(path.string() + ".new", path);  // never seen half-written
  }
  // The second GPU with `fault` added to its members.
  void fault(std::string_view fault) {
    json::object doc = json::parse(kHealthy).as_object();
    json::object& gpu = doc.at("gpus").as_array().at(1).as_object();
    json::value added = json::parse(fault);  // outlives the loop
    for (auto& [key, value] : added.as_object()) gpu[key] = value;
    write(file_, json::serialize(doc));
  }
  void start(GpuRequestOptions options = {}) {
    runner_ = std::make_unique<GpuRequestRunner>(
        gpus_,
        GpuHealthActions{
            .check_now =
                [this](const std::vector<std::string>& uuids) {
                  return watcher_->check_now(uuids);
                },
            .forget_faults =
                [this](const std::vector<std::string>& uuids) {
                  return watcher_->forget_faults(uuids);
                },
            .hold_out =
                [this](const std::vector<std::string>& uuids, const std::string& message) {
                  return watcher_->hold_out(uuids, message);
                }},
        std::move(options), [this](const GpuRequestResult& result) {
          std::lock_guard lock(mutex_);
          results_.push_back(result);
          done_.notify_all();
        });
  }
  // Offers `requests` and waits until `count` results in all have come.
  std::vector<GpuRequestResult> offer(const std::vector<GpuRequest>& requests, size_t count) {
    std::vector<GpuRequestResult> again = runner_->offer(requests);
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(done_.wait_for(lock, kBound, [&] { return results_.size() >= count; }));
    return again;
  }
  GpuRequestResult one(GpuRequest request) {
    size_t before = result_count();
    offer({std::move(request)}, before + 1);
    std::lock_guard lock(mutex_);
    return results_.size() > before ? results_[before] : GpuRequestResult{};
  }
  size_t result_count() {
    std::lock_guard lock(mutex_);
    return results_.size();
  }
  static const model::GpuHealth& second(const GpuRequestResult& result) {
    static const model::GpuHealth none;
    return result.gpus.size() == 2 ? result.gpus[1] : none;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
  core::FakeClock clock_;
  std::vector<GpuIdentity> gpus_;
  std::unique_ptr<GpuWatcher> watcher_;
  std::unique_ptr<GpuRequestRunner> runner_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<GpuRequestResult> results_;
  std::vector<std::vector<model::GpuHealth>> published_;
};

TEST_F(GpuRequestRunnerTest, TheBuiltInDiagnosisOfHealthyGpus) {
  start();
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa", "GPU-bbbb"}});
  EXPECT_EQ(result.id, "r1");
  EXPECT_EQ(result.kind, "diagnose");
  EXPECT_TRUE(result.ok);
  EXPECT_FALSE(result.exit_code);
  EXPECT_EQ(result.output, "NVML: GPU-aaaa healthy; GPU-bbbb healthy");
  ASSERT_EQ(result.gpus.size(), 2u);
  EXPECT_TRUE(result.gpus[0].healthy());
  EXPECT_TRUE(result.gpus[1].healthy());
}

TEST_F(GpuRequestRunnerTest, TheBuiltInDiagnosisKeepsAnXidFault) {
  start();
  fault(R"({"xids": [79]})");
  watcher_->run_once(milliseconds(0));  // the watcher takes the event
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa", "GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.output,
            "NVML: GPU-aaaa healthy; GPU-bbbb UNHEALTHY (XID_79: XID 79: GPU has fallen off the "
            "bus)");
  EXPECT_EQ(second(result).reason, "XID_79");
}

TEST_F(GpuRequestRunnerTest, TheBuiltInDiagnosisPollsAtOnceAndPublishes) {
  start();
  fault(R"({"lost": true})");  // the watcher's next poll is not due
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(second(result).reason, "GPU_IS_LOST");
  std::lock_guard lock(mutex_);
  ASSERT_FALSE(published_.empty());
  EXPECT_EQ(published_.back(), result.gpus);
}

TEST_F(GpuRequestRunnerTest, ADiagnosticCommandThatExitsZero) {
  start({.diagnostic_command = "echo all good; exit 0"});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa"}});
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "all good\n");
  EXPECT_EQ(result.gpus.size(), 2u);
}

TEST_F(GpuRequestRunnerTest, ADiagnosticCommandThatFailsWithItsOutput) {
  start({.diagnostic_command = "echo checking; echo 'row remap failed' >&2; exit 3"});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.output, "checking\nrow remap failed\n");
}

TEST_F(GpuRequestRunnerTest, AFailedDiagnosticHoldsTheGpuOutUntilItIsReturned) {
  start({.diagnostic_command = "echo 'dcgm: memory test failed'; echo more; exit 1"});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(second(result).health_status, "UNHEALTHY");
  EXPECT_EQ(second(result).reason, "DIAGNOSTIC_FAILED");
  EXPECT_EQ(second(result).message, "the GPU diagnostic failed: dcgm: memory test failed");
  EXPECT_TRUE(result.gpus[0].healthy());  // not diagnosed
  // A poll does not forget it; a return does.
  watcher_->run_once(milliseconds(0));
  EXPECT_EQ(watcher_->health()[1].reason, "DIAGNOSTIC_FAILED");
  GpuRequestResult returned = one({"r2", "return", {"GPU-bbbb"}});
  EXPECT_TRUE(returned.ok);
  EXPECT_TRUE(second(returned).healthy());
}

TEST_F(GpuRequestRunnerTest, AHoldRequestHoldsTheGpuOutWithItsMessage) {
  start();
  GpuRequestResult result =
      one({"h1", "hold", {"GPU-bbbb"}, "job j: the diagnostic task t stopped (exit code 1)"});
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.kind, "hold");
  EXPECT_EQ(result.output, "held out of service: GPU-bbbb");
  EXPECT_EQ(second(result).reason, "DIAGNOSTIC_FAILED");
  EXPECT_EQ(second(result).message, "job j: the diagnostic task t stopped (exit code 1)");
  std::lock_guard lock(mutex_);
  ASSERT_FALSE(published_.empty());
  EXPECT_EQ(published_.back(), result.gpus);
}

TEST_F(GpuRequestRunnerTest, OnlyTheEndOfALongOutputIsKept) {
  start({.diagnostic_command = "head -c 10000 /dev/zero | tr '\\0' x; echo END"});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa"}});
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.output.size(), model::kGpuRequestOutputBytes);
  EXPECT_TRUE(result.output.ends_with("xxEND\n"));
}

TEST_F(GpuRequestRunnerTest, ACommandTimesOutAndItsGroupIsKilled) {
  const auto pid_file = dir_ / "pid";
  start({.diagnostic_command = "echo started; sleep 30 & echo $! > " + pid_file.string() + "; wait",
         .command_timeout = milliseconds(200)});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa"}});
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.exit_code);
  EXPECT_EQ(result.output, "timed out after 0.2 s\nstarted\n");
  // The shell's child went with it: its pidfd turns readable when it exits
  // (SIGKILL is delivered asynchronously), and it is no child of ours to wait.
  pid_t sleeper = std::stoi(read_file(pid_file));
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, sleeper, 0));
  if (fd < 0) {
    EXPECT_EQ(errno, ESRCH);  // gone already
    return;
  }
  pollfd exited{fd, POLLIN, 0};
  int ready = ::poll(&exited, 1, static_cast<int>(kBound.count() * 1000));
  ::close(fd);
  EXPECT_EQ(ready, 1) << "the command's child outlived its group's SIGKILL";
  if (ready != 1) ::kill(sleeper, SIGKILL);
}

TEST_F(GpuRequestRunnerTest, TheCommandSeesTheGpusInItsEnvironment) {
  start({.diagnostic_command =
             "echo \"$GANTRY_GPU_UUIDS|$NVIDIA_VISIBLE_DEVICES|$GANTRY_GPU_PCI_BUS_IDS\""});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-bbbb", "GPU-aaaa"}});
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.output,
            "GPU-bbbb,GPU-aaaa|GPU-bbbb,GPU-aaaa|00000000:02:00.0,00000000:18:00.0\n");
}

TEST_F(GpuRequestRunnerTest, RecoveryWithoutACommandLeavesTheFault) {
  start();
  fault(R"({"xids": [79]})");
  watcher_->run_once(milliseconds(0));
  GpuRequestResult result = one({"r1", "recover", {"GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.exit_code);
  EXPECT_EQ(result.output,
            "no --gpu-recovery-command: the GPU stays out of service until an operator returns "
            "it");
  EXPECT_EQ(second(result).reason, "XID_79");
  EXPECT_EQ(watcher_->health()[1].reason, "XID_79");
}

TEST_F(GpuRequestRunnerTest, ARecoveryCommandThatFixesTheGpu) {
  const auto fixed = dir_ / "fixed.json";
  write(fixed, kHealthy);
  start({.recovery_command = "echo resetting $GANTRY_GPU_UUIDS; cp " + fixed.string() + " " +
                             file_.string() + ".tmp && mv " + file_.string() + ".tmp " +
                             file_.string()});
  fault(R"({"lost": true})");
  watcher_->check_now({"GPU-bbbb"});
  ASSERT_FALSE(watcher_->health()[1].healthy());
  GpuRequestResult result = one({"r1", "recover", {"GPU-bbbb"}});
  EXPECT_TRUE(result.ok) << result.output;
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "resetting GPU-bbbb\nNVML: GPU-bbbb healthy");
  EXPECT_TRUE(second(result).healthy());
  EXPECT_TRUE(watcher_->health()[1].healthy());
}

TEST_F(GpuRequestRunnerTest, ARecoveryCommandThatLeavesTheGpuLost) {
  start({.recovery_command = "true"});
  fault(R"({"lost": true})");
  watcher_->check_now({"GPU-bbbb"});
  GpuRequestResult result = one({"r1", "recover", {"GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "NVML: GPU-bbbb UNHEALTHY (GPU_IS_LOST: GPU is lost)");
}

TEST_F(GpuRequestRunnerTest, AFailedRecoveryCommandKeepsTheFault) {
  start({.recovery_command = "echo no reset; exit 1"});
  fault(R"({"xids": [79]})");
  watcher_->run_once(milliseconds(0));
  GpuRequestResult result = one({"r1", "recover", {"GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output, "no reset\n");
  EXPECT_EQ(second(result).reason, "XID_79");
}

TEST_F(GpuRequestRunnerTest, AReturnForgetsTheFaults) {
  start();
  fault(R"({"xids": [79]})");
  watcher_->run_once(milliseconds(0));
  ASSERT_FALSE(watcher_->health()[1].healthy());
  GpuRequestResult result = one({"r1", "return", {"GPU-bbbb"}});
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.output, "NVML: GPU-bbbb healthy");
  EXPECT_TRUE(second(result).healthy());
  EXPECT_EQ(second(result).last_xid, 79);  // what it raised last stays on record
  std::lock_guard lock(mutex_);
  ASSERT_FALSE(published_.empty());
  EXPECT_TRUE(published_.back()[1].healthy());
}

TEST_F(GpuRequestRunnerTest, AReturnOfAGpuStillLostFindsItAgain) {
  start();
  fault(R"({"lost": true})");
  watcher_->check_now({"GPU-bbbb"});
  GpuRequestResult result = one({"r1", "return", {"GPU-bbbb"}});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(second(result).reason, "GPU_IS_LOST");
}

TEST_F(GpuRequestRunnerTest, ARequestListedAgainRunsOnceAndIsAnsweredFromMemory) {
  const auto runs = dir_ / "runs";
  start({.diagnostic_command = "echo run >> " + runs.string()});
  GpuRequest first{"r1", "diagnose", {"GPU-aaaa"}};
  EXPECT_TRUE(runner_->offer({first, first}).empty());
  EXPECT_TRUE(offer({first}, 1).empty());  // queued or running: answered when it ends
  std::vector<GpuRequestResult> again = runner_->offer({first});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], results_[0]);
  // Runs are in order: a second run of r1 would come before r2's.
  again = offer({first, {"r2", "diagnose", {"GPU-aaaa"}}}, 2);
  EXPECT_EQ(again.size(), 1u);
  EXPECT_EQ(read_file(runs), "run\nrun\n");
  EXPECT_EQ(result_count(), 2u);
  EXPECT_EQ(results_[1].id, "r2");
}

TEST_F(GpuRequestRunnerTest, TheOldestResultsAreForgotten) {
  start({.remembered = 2});
  offer({{"r1", "diagnose", {"GPU-aaaa"}},
         {"r2", "diagnose", {"GPU-aaaa"}},
         {"r3", "diagnose", {"GPU-aaaa"}}},
        3);
  EXPECT_EQ(runner_->offer({{"r2", "diagnose", {"GPU-aaaa"}}}).size(), 1u);
  // r1 was forgotten: it runs again.
  EXPECT_TRUE(offer({{"r1", "diagnose", {"GPU-aaaa"}}}, 4).empty());
  EXPECT_EQ(result_count(), 4u);
}

TEST_F(GpuRequestRunnerTest, AnUnknownGpuIsRefused) {
  const auto runs = dir_ / "runs";
  start({.diagnostic_command = "echo run >> " + runs.string()});
  GpuRequestResult result = one({"r1", "diagnose", {"GPU-aaaa", "GPU-zzzz"}});
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.exit_code);
  EXPECT_EQ(result.output, "this instance has no GPU GPU-zzzz");
  EXPECT_EQ(result.gpus.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(runs));
}

TEST_F(GpuRequestRunnerTest, AStopKillsTheCommandRunningAndAnswersNothing) {
  start({.diagnostic_command = "sleep 30"});
  runner_->offer({{"r1", "diagnose", {"GPU-aaaa"}}});
  runner_.reset();  // without waiting 30 s
  EXPECT_EQ(result_count(), 0u);
}

}  // namespace
}  // namespace gantry::agent::gpu
