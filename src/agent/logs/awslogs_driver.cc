#include "agent/logs/awslogs_driver.h"

namespace gantry::agent {

AwslogsDriver::AwslogsDriver(std::unique_ptr<Driver> runtime, LogShipperOptions options,
                             const core::Clock& clock, boost::asio::any_io_executor executor)
    : runtime_(std::move(runtime)),
      shipper_(
          std::move(options), clock,
          [runtime = runtime_.get()](const ContainerHandle& handle) {
            return runtime->output(handle);
          },
          std::move(executor)) {
  shipper_.start(
      [runtime = runtime_.get()](const ContainerHandle& handle) { runtime->remove(handle); });
}

void AwslogsDriver::start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
                          OnCreated created) {
  if (!container.awslogs)
    return runtime_->start(task, container, std::move(done), std::move(created));
  shipper_.open(task, container,
                [this, task, container, done = std::move(done),
                 created = std::move(created)](const std::string& reason) mutable {
                  if (!reason.empty()) return done(StartResult{std::nullopt, reason});
                  runtime_->start(
                      task, container,
                      [this, arn = task.task_arn, name = container.name,
                       done = std::move(done)](StartResult result) {
                        if (result.handle) shipper_.add_output(arn, name, *result.handle);
                        done(std::move(result));
                      },
                      std::move(created));
                });
}

void AwslogsDriver::remove(const ContainerHandle& handle) {
  shipper_.when_shipped(handle, [this, handle] { runtime_->remove(handle); });
}

void AwslogsDriver::remove_task(const TaskSpec& task) {
  shipper_.when_task_shipped(task.task_arn, [this, task] { runtime_->remove_task(task); });
}

void AwslogsDriver::clean_up_orphans(const std::string& instance_arn,
                                     const std::set<std::string>& known_tasks) {
  std::set<std::string> keep = known_tasks;
  keep.merge(shipper_.tasks_shipping());
  runtime_->clean_up_orphans(instance_arn, keep);
}

}  // namespace gantry::agent
