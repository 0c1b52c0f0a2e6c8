#pragma once
// The awslogs log driver, as a Driver around the one that runs the
// containers: a container whose definition uses awslogs starts once its
// group and stream are there (and does not when its group is missing and
// may not be made, with the reason ECS gives), its output is shipped from
// the moment it runs, and it is removed only once all of it is shipped, as
// the runtime's copy of the output is the shipper's buffer. Containers of
// other log drivers pass straight through.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/logs/log_shipper.h"

namespace gantry::agent {

class AwslogsDriver : public Driver {
 public:
  // Starts shipping at once what an earlier agent left unshipped.
  AwslogsDriver(std::unique_ptr<Driver> runtime, LogShipperOptions options,
                const core::Clock& clock, boost::asio::any_io_executor executor);

  std::string name() const override { return runtime_->name(); }
  void start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
             OnCreated created = {}) override;
  void watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) override {
    runtime_->watch(handle, std::move(on_exit));
  }
  void stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) override {
    runtime_->stop(handle, timeout);
  }
  void exec(const ContainerHandle& handle, std::vector<std::string> argv,
            std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) override {
    runtime_->exec(handle, std::move(argv), timeout, std::move(done));
  }
  void remove(const ContainerHandle& handle) override;
  bool checks_health() const override { return runtime_->checks_health(); }
  void watch_health(const ContainerHandle& handle,
                    std::function<void(std::string)> on_health) override {
    runtime_->watch_health(handle, std::move(on_health));
  }
  void remove_task(const TaskSpec& task) override;
  void clean_up_orphans(const std::string& instance_arn,
                        const std::set<std::string>& known_tasks) override;
  std::vector<std::string> capabilities() const override { return runtime_->capabilities(); }
  std::string task_address(const TaskSpec& task) override { return runtime_->task_address(task); }
  std::string host_address(const TaskSpec& task) const override {
    return runtime_->host_address(task);
  }
  std::optional<boost::json::object> stats(const ContainerHandle& handle) override {
    return runtime_->stats(handle);
  }
  std::unique_ptr<LogSource> output(const ContainerHandle& handle) override {
    return runtime_->output(handle);
  }

 private:
  std::unique_ptr<Driver> runtime_;
  LogShipper shipper_;  // after runtime_: it reads through it until it goes
};

}  // namespace gantry::agent
