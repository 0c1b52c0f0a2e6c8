#pragma once
// What the task runner's tests share: specs built in a line, and a runner on
// a fake driver, a fake clock and an io_context the test drives.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/fake_driver.h"
#include "agent/task_runner.h"
#include "core/clock.h"

namespace gantry::agent::testing {

inline ContainerSpec container(std::string name, bool essential = true) {
  return ContainerSpec{.name = std::move(name), .image = "busybox", .essential = essential};
}

inline ContainerSpec depends(ContainerSpec c, std::string on, std::string condition) {
  c.depends_on.push_back({std::move(on), std::move(condition)});
  return c;
}

inline ContainerSpec checked(ContainerSpec c, int retries = 2) {
  c.health_check = HealthCheckSpec{.command = {"CMD", "check"},
                                   .interval = std::chrono::milliseconds(5),
                                   .timeout = std::chrono::milliseconds(40),
                                   .retries = retries};
  return c;
}

inline TaskSpec task(std::vector<ContainerSpec> containers) {
  return TaskSpec{.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/dev/t1",
                  .task_id = "t1",
                  .cluster = "dev",
                  .family = "web",
                  .revision = 1,
                  .containers = std::move(containers)};
}

class TaskRunnerFixture : public ::testing::Test {
 protected:
  std::unique_ptr<TaskRunner> make(TaskSpec spec,
                                   std::optional<TaskStatus> recovered = std::nullopt) {
    return std::make_unique<TaskRunner>(
        io_.get_executor(), driver_, std::move(spec),
        [this](const TaskStatus &s) { reports_.push_back(s); }, clock_, std::move(recovered));
  }

  static const ContainerStatus &of(const TaskRunner &runner, const std::string &name) {
    const auto &cs = runner.status().containers;
    auto it = std::find_if(cs.begin(), cs.end(),
                           [&](const ContainerStatus &c) { return c.name == name; });
    if (it == cs.end()) throw std::out_of_range(name);
    return *it;
  }

  double now() const { return core::to_epoch_seconds(clock_.now()); }

  boost::asio::io_context io_;
  FakeDriver driver_{io_.get_executor()};
  core::FakeClock clock_;
  std::vector<TaskStatus> reports_;
};

}  // namespace gantry::agent::testing
