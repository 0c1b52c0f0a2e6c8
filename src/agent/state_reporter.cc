#include "agent/state_reporter.h"

#include <spdlog/spdlog.h>

#include "core/arn.h"
#include "core/error.h"
#include "core/utf8_text.h"

namespace gantry::agent {

namespace json = boost::json;

json::object state_change_request(const std::string& cluster, const TaskStatus& status) {
  json::array containers;
  for (const auto& c : status.containers) {
    json::object change{{"containerName", c.name},
                        {"status", c.last_status},
                        {"networkBindings", network_bindings_to_json(c.network_bindings)}};
    if (!c.runtime_id.empty()) change["runtimeId"] = c.runtime_id;
    if (c.exit_code) change["exitCode"] = *c.exit_code;
    if (!c.reason.empty()) {
      change["reason"] = core::utf8_prefix(c.reason, core::kMaxStoppedReasonBytes);
    }
    containers.push_back(std::move(change));
  }
  json::object body{{"cluster", cluster},
                    {"task", status.task_arn},
                    {"status", status.last_status},
                    {"containers", std::move(containers)}};
  if (status.last_status == kStatusStopped && !status.stopped_reason.empty()) {
    body["reason"] = core::utf8_prefix(status.stopped_reason, core::kMaxStoppedReasonBytes);
  }
  if (status.pull_started_at) body["pullStartedAt"] = *status.pull_started_at;
  if (status.pull_stopped_at) body["pullStoppedAt"] = *status.pull_stopped_at;
  if (status.execution_stopped_at) body["executionStoppedAt"] = *status.execution_stopped_at;
  return body;
}

StateReporter::StateReporter(EcsEndpoint endpoint, const core::Clock& clock, std::string cluster)
    : client_(std::move(endpoint), clock), cluster_(std::move(cluster)), thread_([this] { run(); }) {}

StateReporter::~StateReporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StateReporter::report(const TaskStatus& status) {
  {
    std::lock_guard lock(mutex_);
    auto& steps = pending_[status.task_arn];
    if (!steps.empty() && steps.back().last_status == status.last_status) {
      steps.back() = status;
    } else {
      steps.push_back(status);
    }
  }
  wake_.notify_one();
}

void StateReporter::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (pending_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto next = pending_.begin();
    TaskStatus status = std::move(next->second.front());
    next->second.erase(next->second.begin());
    if (next->second.empty()) pending_.erase(next);
    lock.unlock();
    bool delivered = true;
    try {
      // A FARGATE host runs the tasks of every cluster: each its own.
      std::string cluster = core::scoped_cluster(status.task_arn, cluster_);
      client_.call("SubmitTaskStateChange", state_change_request(cluster, status));
    } catch (const core::ApiError& error) {
      // A 4xx refusal is for good (the task is gone): a retry would be
      // refused again. A 5xx one is the server's trouble: retry.
      delivered = error.http_status() < 500;
      spdlog::warn("agent: {} refused for {}: {}: {}", "SubmitTaskStateChange", status.task_arn,
                   error.type(), error.message());
    } catch (const std::exception& error) {
      spdlog::warn("agent: cannot report {}: {}; retrying", status.task_arn, error.what());
      delivered = false;
    }
    lock.lock();
    if (!delivered) {
      auto& steps = pending_[status.task_arn];
      if (steps.empty() || steps.front().last_status != status.last_status) {
        steps.insert(steps.begin(), std::move(status));  // unless a newer one of its step came
      }
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  }
}

}  // namespace gantry::agent
