// The stats collector: which containers it samples, the CPU baseline it
// keeps between rounds, its parallel calls, and its thread's life.
#include "agent/stats_collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

namespace gantry::agent {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// A driver that answers stats() from a table the test fills. With
// hold_until_parallel(n), each call waits until n calls have been in flight
// at once (or, should they never be, for a bound) before it answers.
class StatsDriver final : public Driver {
 public:
  std::string name() const override { return "stats"; }
  void start(const TaskSpec&, const ContainerSpec&, OnStarted done, OnCreated = {}) override {
    done(StartResult{ContainerHandle{}, {}});
  }
  void watch(const ContainerHandle&, std::function<void(ExitStatus)>) override {}
  void stop(const ContainerHandle&, std::chrono::milliseconds) override {}
  void exec(const ContainerHandle&, std::vector<std::string>, std::chrono::milliseconds,
            std::function<void(ExecResult)>) override {}
  void remove(const ContainerHandle&) override {}

  std::optional<json::object> stats(const ContainerHandle& handle) override {
    std::unique_lock lock(mutex_);
    max_running_ = std::max(max_running_, ++running_);
    calls_.push_back(handle.runtime_id);
    changed_.notify_all();
    if (!changed_.wait_for(lock, 2s, [this] { return max_running_ >= hold_until_; })) {
      hold_until_ = 0;  // never reached: the other calls need not wait too
      changed_.notify_all();
    }
    --running_;
    if (handle.runtime_id == "throws") throw std::runtime_error("engine gone");
    auto it = samples_.find(handle.runtime_id);
    if (it == samples_.end()) return std::nullopt;
    return it->second;
  }

  void set(const std::string& runtime_id, uint64_t container_ns, uint64_t system_ns,
           int64_t memory = 1000) {
    std::lock_guard lock(mutex_);
    samples_[runtime_id] = json::object{
        {"cpu_stats", json::object{{"cpu_usage", json::object{{"total_usage", container_ns}}},
                                   {"system_cpu_usage", system_ns},
                                   {"online_cpus", 1}}},
        {"precpu_stats", json::object{}},
        {"memory_stats", json::object{{"usage", memory}, {"limit", 4000}}}};
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int max_running() {
    std::lock_guard lock(mutex_);
    return max_running_;
  }
  void hold_until_parallel(int calls) {
    std::lock_guard lock(mutex_);
    hold_until_ = calls;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, json::object> samples_;
  std::vector<std::string> calls_;
  int running_ = 0;
  int max_running_ = 0;
  int hold_until_ = 0;
};

ContainerStatus container(const std::string& name, const std::string& status,
                          bool with_handle = true) {
  ContainerStatus c;
  c.name = name;
  c.runtime_id = "rt-" + name;
  c.last_status = status;
  if (with_handle) c.handle = ContainerHandle{"rt-" + name, {}, {}};
  return c;
}

TaskView task(const std::string& arn, std::vector<ContainerStatus> containers) {
  TaskView view;
  view.status.task_arn = arn;
  view.status.last_status = kStatusRunning;
  view.status.containers = std::move(containers);
  return view;
}

TEST(StatsSamplerTest, SamplesRunningContainersAndKeepsTheirCpuBaseline) {
  StatsDriver driver;
  core::FakeClock clock;
  StatsSampler sampler(driver, clock);
  driver.set("rt-web", 1'000, 10'000, 300);
  driver.set("rt-done", 1'000, 10'000);
  driver.set("rt-starting", 1'000, 10'000);
  std::vector<TaskView> tasks{
      task("t1", {container("web", kStatusRunning), container("done", kStatusStopped),
                  container("starting", kStatusPending)}),
      task("t2", {container("nohandle", kStatusRunning, false)})};

  model::StatsReport first = sampler.sample(tasks);
  EXPECT_EQ(driver.calls(), std::vector<std::string>{"rt-web"});
  EXPECT_DOUBLE_EQ(first.sampled_at, core::to_epoch_seconds(clock.now()));
  ASSERT_EQ(first.tasks.size(), 1u);  // t2 has nothing to sample
  EXPECT_EQ(first.tasks[0].task_arn, "t1");
  ASSERT_EQ(first.tasks[0].containers.size(), 1u);
  const model::ContainerStats& web = first.tasks[0].containers[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.runtime_id, "rt-web");
  EXPECT_DOUBLE_EQ(web.cpu_percent, 0.0);  // no baseline yet
  EXPECT_EQ(web.memory_bytes, 300);
  EXPECT_EQ(web.memory_limit_bytes, 4000);

  // The second round measures against the first.
  driver.set("rt-web", 3'000, 20'000);
  clock.advance(5s);
  model::StatsReport second = sampler.sample(tasks);
  ASSERT_EQ(second.tasks.size(), 1u);
  EXPECT_DOUBLE_EQ(second.tasks[0].containers[0].cpu_percent, 20.0);
  EXPECT_DOUBLE_EQ(second.sampled_at, first.sampled_at + 5);
}

TEST(StatsSamplerTest, LeavesOutContainersWithoutASample) {
  StatsDriver driver;
  core::FakeClock clock;
  StatsSampler sampler(driver, clock);
  driver.set("rt-a", 1, 10);
  std::vector<TaskView> tasks{
      task("t1", {container("a", kStatusRunning), container("unknown", kStatusRunning)}),
      task("t2", {container("throws", kStatusRunning)})};
  // "throws" has runtime id rt-throws: make the driver throw for it by name.
  tasks[1].status.containers[0].handle->runtime_id = "throws";
  model::StatsReport report = sampler.sample(tasks);
  ASSERT_EQ(report.tasks.size(), 1u);
  ASSERT_EQ(report.tasks[0].containers.size(), 1u);
  EXPECT_EQ(report.tasks[0].containers[0].name, "a");
  EXPECT_EQ(driver.calls().size(), 3u);
}

TEST(StatsSamplerTest, SamplesContainersInParallelUpToALimit) {
  StatsDriver driver;
  // More containers than the limit: the calls run kParallelSamples at once.
  driver.hold_until_parallel(static_cast<int>(StatsSampler::kParallelSamples));
  core::FakeClock clock;
  StatsSampler sampler(driver, clock);
  std::vector<ContainerStatus> containers;
  constexpr int kContainers = StatsSampler::kParallelSamples + 4;
  for (int i = 0; i < kContainers; ++i) {
    std::string name = "c" + std::to_string(i);
    containers.push_back(container(name, kStatusRunning));
    driver.set("rt-" + name, 1, 10);
  }
  model::StatsReport report = sampler.sample({task("t", containers)});
  ASSERT_EQ(report.tasks.size(), 1u);
  ASSERT_EQ(report.tasks[0].containers.size(), static_cast<size_t>(kContainers));
  EXPECT_EQ(driver.calls().size(), static_cast<size_t>(kContainers));
  EXPECT_EQ(driver.max_running(), static_cast<int>(StatsSampler::kParallelSamples));
  // The containers keep their task's order.
  for (int i = 0; i < kContainers; ++i) {
    EXPECT_EQ(report.tasks[0].containers[i].name, "c" + std::to_string(i));
  }
}

TEST(StatsSamplerTest, ACancelledSamplerMakesNoCalls) {
  StatsDriver driver;
  core::FakeClock clock;
  StatsSampler sampler(driver, clock);
  driver.set("rt-a", 1, 10);
  sampler.cancel();
  EXPECT_TRUE(sampler.sample({task("t", {container("a", kStatusRunning)})}).tasks.empty());
  EXPECT_TRUE(driver.calls().empty());
}

// What the collector's callbacks saw, waited on from the test's thread.
struct Reports {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<model::StatsReport> sent;
  int rounds = 0;

  bool wait_for(size_t count, std::chrono::milliseconds limit = 1500ms) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return sent.size() >= count; });
  }
  bool wait_for_rounds(int count, std::chrono::milliseconds limit = 1500ms) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return rounds >= count; });
  }
};

TEST(StatsCollectorTest, SendsAReportAtOnceAndThenEveryInterval) {
  StatsDriver driver;
  driver.set("rt-web", 1, 10);
  core::FakeClock clock;
  Reports reports;
  StatsCollector collector(
      [&] {
        std::lock_guard lock(reports.mutex);
        ++reports.rounds;
        return std::vector<TaskView>{task("t1", {container("web", kStatusRunning)})};
      },
      driver,
      [&](model::StatsReport report) {
        std::lock_guard lock(reports.mutex);
        reports.sent.push_back(std::move(report));
        reports.changed.notify_all();
      },
      clock, 20ms);
  ASSERT_TRUE(reports.wait_for(3));
  std::lock_guard lock(reports.mutex);
  EXPECT_EQ(reports.sent[0].tasks.at(0).task_arn, "t1");
}

TEST(StatsCollectorTest, SendsNothingWithoutRunningTasksAndSurvivesAFailedRound) {
  StatsDriver driver;
  core::FakeClock clock;
  Reports reports;
  {
    StatsCollector collector(
        [&]() -> std::vector<TaskView> {
          std::lock_guard lock(reports.mutex);
          ++reports.rounds;
          reports.changed.notify_all();
          if (reports.rounds == 1) throw std::runtime_error("agent busy");
          return {};
        },
        driver,
        [&](model::StatsReport report) {
          std::lock_guard lock(reports.mutex);
          reports.sent.push_back(std::move(report));
        },
        clock, 10ms);
    ASSERT_TRUE(reports.wait_for_rounds(3));
  }
  EXPECT_TRUE(reports.sent.empty());
}

TEST(StatsCollectorTest, StopsPromptlyBetweenRounds) {
  StatsDriver driver;
  driver.set("rt-web", 1, 10);
  core::FakeClock clock;
  Reports reports;
  auto collector = std::make_unique<StatsCollector>(
      [] { return std::vector<TaskView>{task("t1", {container("web", kStatusRunning)})}; }, driver,
      [&](model::StatsReport report) {
        std::lock_guard lock(reports.mutex);
        reports.sent.push_back(std::move(report));
        reports.changed.notify_all();
      },
      clock, std::chrono::hours(1));
  ASSERT_TRUE(reports.wait_for(1));
  // The next round is an hour away: a collector that waited for it before
  // stopping would hold this test until ctest's timeout fails it.
  collector.reset();
  EXPECT_EQ(reports.sent.size(), 1u);
}

}  // namespace
}  // namespace gantry::agent
