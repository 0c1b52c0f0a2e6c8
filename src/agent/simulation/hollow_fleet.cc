#include "agent/simulation/hollow_fleet.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "agent/state_reporter.h"
#include "agent/task_runner.h"
#include "core/error.h"
#include "core/string_map.h"
#include "model/agent_protocol.h"
#include "net/websocket.h"

namespace gantry::agent {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr auto kReconnectDelay = std::chrono::seconds(1);
constexpr auto kRetryDelay = std::chrono::milliseconds(200);

struct HollowTask {
  TaskStatus status;
  std::unique_ptr<asio::steady_timer> exit_timer;
};

// A task as the instance "runs" it: every container RUNNING at once.
TaskStatus running_status(const model::DesiredTask& desired, double now) {
  TaskStatus status;
  status.task_arn = desired.task_arn;
  status.last_status = kStatusRunning;
  status.pull_started_at = status.pull_stopped_at = status.started_at = now;
  const auto* definitions = desired.task_definition->if_contains("containerDefinitions");
  if (definitions && definitions->is_array()) {
    for (const auto& d : definitions->get_array()) {
      const auto* name = d.is_object() ? d.get_object().if_contains("name") : nullptr;
      if (!name || !name->is_string()) continue;
      ContainerStatus c;
      c.name = std::string(name->get_string());
      c.runtime_id = "hollow-" + desired.task_arn.substr(desired.task_arn.rfind('/') + 1) + "-" +
                     c.name;
      c.last_status = kStatusRunning;
      c.started_at = now;
      status.containers.push_back(std::move(c));
    }
  }
  return status;
}

void stop_status(TaskStatus& status, int exit_code, std::string reason, bool by_request,
                 double now) {
  status.last_status = kStatusStopped;
  status.stopped_reason = std::move(reason);
  status.stopped_by_request = by_request;
  status.execution_stopped_at = now;
  for (auto& c : status.containers) {
    c.last_status = kStatusStopped;
    c.exit_code = exit_code;
  }
}

}  // namespace

struct HollowFleet::Instance {
  explicit Instance(asio::io_context& io) : reconnect(io) {}
  std::string arn;
  std::shared_ptr<net::WebSocket> channel;
  // By task ARN. Node-based: a task's status is large, and an open-addressing
  // table would move every one each time it grows.
  std::unordered_map<std::string, HollowTask, core::StringHash, core::StringEqual> tasks;
  model::TaskDefinitions definitions;  // those the channel carried
  json::array reports;                 // SubmitTaskStateChange bodies not sent yet
  asio::steady_timer reconnect;
};

HollowFleet::HollowFleet(HollowFleetOptions options, const core::Clock& clock)
    : options_(std::move(options)), clock_(clock), work_(io_.get_executor()) {}

HollowFleet::~HollowFleet() {
  stopping_ = true;
  asio::post(io_, [this] {
    for (auto& instance : instances_) {
      instance->reconnect.cancel();
      for (auto& [arn, task] : instance->tasks) {
        if (task.exit_timer) task.exit_timer->cancel();
      }
      if (instance->channel) instance->channel->close();
    }
    io_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

int HollowFleet::start() {
  register_all();
  spdlog::info("hollow fleet: {} instances registered in cluster {}", instances_.size(),
               options_.cluster);
  for (const auto& instance : instances_) {
    asio::post(io_, [this, instance] { connect(instance); });
  }
  thread_ = std::thread([this] { io_.run(); });
  return static_cast<int>(instances_.size());
}

void HollowFleet::register_all() {
  std::atomic<int> next = 0;
  std::mutex mutex;
  auto work = [&] {
    EcsClient client(options_.endpoint, clock_);
    json::object request = registration_request(options_.offer);
    request["cluster"] = options_.cluster;
    for (int i = next++; i < options_.instances && !stopping_;) {
      try {
        const auto answer = client.call("RegisterContainerInstance", request);
        auto instance = std::make_shared<Instance>(io_);
        instance->arn =
            std::string(answer.at("containerInstance").at("containerInstanceArn").as_string());
        std::lock_guard lock(mutex);
        instances_.push_back(std::move(instance));
        i = next++;
      } catch (const core::ApiError& error) {
        if (error.type() == "ClusterNotFoundException" && options_.cluster == "default") {
          try {
            client.call("CreateCluster", json::object{{"clusterName", "default"}});
          } catch (const std::exception&) {
          }
          continue;
        }
        if (error.http_status() < 500) {
          spdlog::error("hollow fleet: registration refused: {}", error.message());
          return;  // the same request would be refused again
        }
        std::this_thread::sleep_for(kRetryDelay);
      } catch (const std::exception& error) {
        spdlog::warn("hollow fleet: registration failed: {}; retrying", error.what());
        std::this_thread::sleep_for(kRetryDelay);
      }
    }
  };
  std::vector<std::jthread> helpers;
  for (int h = 1; h < std::min(options_.registration_threads, options_.instances); ++h) {
    helpers.emplace_back(work);
  }
  work();
}

void HollowFleet::connect(const std::shared_ptr<Instance>& instance) {
  if (stopping_) return;
  const std::string target = std::string(model::kAgentChannelPath) +
                             "?cluster=" + options_.cluster +
                             "&containerInstance=" + instance->arn;
  EcsClient signer(options_.endpoint, clock_);
  net::WebSocket::connect(
      io_.get_executor(), signer.host(), signer.port(), target,
      signer.signed_upgrade_headers(target),
      [this, instance](std::string error, std::shared_ptr<net::WebSocket> socket) {
        asio::post(io_, [this, instance, error, socket] {
          if (stopping_) return;
          auto retry = [this, instance] {
            instance->reconnect.expires_after(kReconnectDelay);
            instance->reconnect.async_wait([this, instance](boost::system::error_code ec) {
              if (!ec) connect(instance);
            });
          };
          if (!socket) {
            spdlog::debug("hollow fleet: channel of {}: {}", instance->arn, error);
            return retry();
          }
          instance->channel = socket;
          instance->definitions.clear();  // a new channel carries them again
          socket->start(
              [this, instance](std::string message) {
                asio::post(io_, [this, instance, message = std::move(message)] {
                  received(instance, message);
                });
              },
              [this, instance, retry, weak = std::weak_ptr(socket)](std::string) {
                asio::post(io_, [instance, retry, weak] {
                  if (instance->channel != weak.lock()) return;
                  instance->channel.reset();
                  retry();
                });
              });
          // Level-triggered, as a real agent: say again where every task stands.
          for (const auto& [arn, task] : instance->tasks) report(instance, task.status);
        });
      },
      options_.channel_idle_timeout);
}

void HollowFleet::received(const std::shared_ptr<Instance>& instance, const std::string& message) {
  model::DesiredTasks desired;
  try {
    desired = model::parse_desired_tasks(json::parse(message).as_object(), instance->definitions);
  } catch (const std::exception& error) {
    spdlog::warn("hollow fleet: ignoring a malformed channel message: {}", error.what());
    return;
  }
  const double now = core::to_epoch_seconds(clock_.now());
  for (const auto& task : desired.tasks) {
    auto it = instance->tasks.find(task.task_arn);
    if (it == instance->tasks.end()) {
      HollowTask hollow;
      if (task.desired_status != "RUNNING") {
        hollow.status.task_arn = task.task_arn;
        hollow.status.last_status = kStatusStopped;  // told to stop before it ran
      } else {
        hollow.status = running_status(task, now);
      }
      it = instance->tasks.emplace(task.task_arn, std::move(hollow)).first;
      report(instance, it->second.status);
      if (options_.task_duration.count() > 0 && it->second.status.last_status == kStatusRunning) {
        auto& timer = it->second.exit_timer;
        timer = std::make_unique<asio::steady_timer>(io_, options_.task_duration);
        timer->async_wait([this, instance, arn = task.task_arn](boost::system::error_code ec) {
          auto found = instance->tasks.find(arn);
          if (ec || found == instance->tasks.end()) return;
          auto& status = found->second.status;
          if (status.last_status == kStatusStopped) return;
          stop_status(status, 0, kEssentialContainerExited, false,
                      core::to_epoch_seconds(clock_.now()));
          report(instance, status);
        });
      }
      continue;
    }
    auto& status = it->second.status;
    if (task.desired_status == "STOPPED" && status.last_status != kStatusStopped) {
      if (it->second.exit_timer) it->second.exit_timer->cancel();
      stop_status(status, 143, kStoppedByUser, true, now);  // as SIGTERM ends a process
      report(instance, status);
    }
  }
  // What the control plane no longer lists is done with, once stopped.
  auto done = [](const auto& entry) { return entry.second.status.last_status == kStatusStopped; };
  if (!desired.complete) {
    for (const auto& arn : desired.removed) {
      auto it = instance->tasks.find(arn);
      if (it != instance->tasks.end() && done(*it)) instance->tasks.erase(it);
    }
    return;
  }
  core::StringSet listed;
  for (const auto& task : desired.tasks) listed.insert(task.task_arn);
  std::erase_if(instance->tasks,
                [&](const auto& entry) { return !listed.contains(entry.first) && done(entry); });
}

void HollowFleet::report(const std::shared_ptr<Instance>& instance, const TaskStatus& status) {
  if (instance->reports.empty()) reporting_.push_back(instance);
  instance->reports.push_back(state_change_request(options_.cluster, status));
  if (!send_posted_) {
    send_posted_ = true;
    asio::post(io_, [this] { send_reports(); });  // after what this turn of the loop reports
  }
}

// A lost message is not retried: a reconnecting instance reports every task again.
void HollowFleet::send_reports() {
  for (const auto& instance : reporting_) {
    if (instance->channel) {
      instance->channel->send(
          json::serialize(model::task_states_message(std::move(instance->reports))));
    }
    instance->reports = json::array();
  }
  reporting_.clear();
  send_posted_ = false;
}

}  // namespace gantry::agent
