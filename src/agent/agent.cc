#include "agent/agent.h"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <future>
#include <set>
#include <spdlog/spdlog.h>

#include "agent/logs/awslogs_driver.h"
#include "agent/task_spec_resolver.h"
#include "core/arn.h"
#include "core/error.h"
#include "model/agent_protocol.h"
#include "model/gpu_health.h"
#include "model/gpu_requests.h"

namespace gantry::agent {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr auto kMaxReconnectDelay = std::chrono::seconds(5);

// The RUNNING step of a task whose containers ran and exited before its
// runner reported in between: ECS shows every task that ran as RUNNING once.
TaskStatus as_running(TaskStatus status) {
  status.last_status = kStatusRunning;
  status.stopped_reason.clear();
  status.execution_stopped_at.reset();
  for (auto& c : status.containers) {
    if (c.last_status == kStatusStopped && c.exit_code) {
      c.last_status = kStatusRunning;
      c.exit_code.reset();
      c.reason.clear();
    }
  }
  return status;
}

// A task the agent was told to stop before it ever ran it.
TaskStatus never_started(const std::string& task_arn) {
  TaskStatus status;
  status.task_arn = task_arn;
  status.last_status = kStatusStopped;
  return status;
}

}  // namespace

Agent::Agent(AgentOptions options, const core::Clock& clock, DriverFactory make_driver)
    : options_(std::move(options)),
      clock_(clock),
      store_(options_.state_dir),
      work_(io_.get_executor()),
      driver_(std::make_unique<AwslogsDriver>(
          make_driver(io_.get_executor()),
          LogShipperOptions{options_.endpoint, options_.state_dir / "awslogs"}, clock_,
          io_.get_executor())),
      reconnect_timer_(io_) {}

Agent::~Agent() {
  stopping_ = true;
  // They read through the agent's thread and the driver: they go first;
  // the GPU requests act through the watcher.
  gpu_requests_.reset();
  gpus_.reset();
  stats_.reset();
  metadata_.reset();
  asio::post(io_, [this] {
    reconnect_timer_.cancel();
    if (channel_) channel_->close();
    channel_.reset();
    tasks_.clear();  // runners leave their containers running
    io_.stop();      // without waiting for the channel's close handshake
  });
  if (thread_.joinable()) thread_.join();
  reporter_.reset();
}

void Agent::start() {
  discover_gpus();
  if (!register_instance()) return;
  reporter_ = std::make_unique<StateReporter>(options_.endpoint, clock_, options_.cluster);
  start_metadata_server();
  recover();
  std::set<std::string> known;
  for (const auto& [arn, entry] : tasks_) known.insert(arn);
  try {
    driver_->clean_up_orphans(instance_arn_, known);
  } catch (const std::exception& error) {
    spdlog::warn("agent: cannot look for orphaned containers: {}", error.what());
  }
  start_gpu_requests();  // before the channel: its messages reach it
  connect();
  thread_ = std::thread([this] { io_.run(); });
  // After the thread: running_tasks() reads through it.
  stats_ = std::make_unique<StatsCollector>(
      [this] { return running_tasks(); }, *driver_,
      [this](model::StatsReport report) {
        asio::post(io_, [this, message = json::serialize(model::stats_message(report))]() mutable {
          if (channel_) channel_->send(std::move(message));
        });
      },
      clock_);
  if (gpus_) gpus_->start();
}

void Agent::discover_gpus() {
  if (!options_.offer.gpu_ids.empty() || options_.nvml_library.empty()) return;
  try {
    auto nvml = gpu::NvmlLibrary::open(options_.nvml_library);
    gpu::GpuInventory inventory = gpu::discover(*nvml);
    if (inventory.devices.empty()) {
      spdlog::info("agent: NVML {} lists no GPUs", inventory.driver_version);
      return;
    }
    for (const auto& device : inventory.devices) {
      spdlog::info("agent: GPU {} {} ({} MiB, {})", device.uuid, device.name, device.memory_mib,
                   device.pci_bus_id);
      options_.offer.gpu_ids.push_back(device.uuid);
      gpu_identities_.push_back({device.uuid, device.pci_bus_id});
    }
    for (auto& attribute : gpu::gpu_attributes(inventory)) {
      options_.offer.attributes.push_back(std::move(attribute));
    }
    gpus_ = std::make_unique<gpu::GpuWatcher>(
        std::move(nvml), std::move(inventory), clock_,
        [this](std::vector<model::GpuHealth> health) {
          asio::post(io_, [this, message = json::serialize(model::gpu_health_message(health))] {
            gpu_health_ = message;
            send_gpu_health();
          });
        },
        options_.gpu_watch);
    gpu_health_ = json::serialize(model::gpu_health_message(gpus_->health()));
  } catch (const std::exception& error) {
    spdlog::info("agent: no GPUs: {}", error.what());
  }
}

void Agent::send_gpu_health() {
  if (channel_ && !gpu_health_.empty()) channel_->send(std::string(gpu_health_));
}

void Agent::start_gpu_requests() {
  // GPUs named by --gpu-ids have no NVML behind them: a request finds them
  // "not watched" unless the operator's command does the work.
  std::vector<gpu::GpuIdentity> identities = gpu_identities_;
  if (!gpus_) {
    for (const auto& id : options_.offer.gpu_ids) identities.push_back({id, ""});
  }
  auto read = [this](const std::vector<std::string>& uuids, bool forget) {
    if (!gpus_) return std::vector<model::GpuHealth>{};
    return forget ? gpus_->forget_faults(uuids) : gpus_->check_now(uuids);
  };
  gpu_requests_ = std::make_unique<gpu::GpuRequestRunner>(
      std::move(identities),
      gpu::GpuHealthActions{
          .check_now = [read](const std::vector<std::string>& uuids) { return read(uuids, false); },
          .forget_faults =
              [read](const std::vector<std::string>& uuids) { return read(uuids, true); },
          .hold_out =
              [this](const std::vector<std::string>& uuids, const std::string& message) {
                if (!gpus_) return std::vector<model::GpuHealth>{};
                return gpus_->hold_out(uuids, message);
              }},
      options_.gpu_requests, [this](const model::GpuRequestResult& result) {
        asio::post(io_, [this, result] { send_gpu_request_result(result); });
      });
}

void Agent::take_gpu_requests(const std::vector<model::GpuRequest>& requests) {
  // Those run already are answered again: the control plane lists a request
  // until it has taken its result.
  for (const auto& result : gpu_requests_->offer(requests)) send_gpu_request_result(result);
}

void Agent::send_gpu_request_result(const model::GpuRequestResult& result) {
  // Without a channel the result waits in the runner's memory: the next
  // connect lists the request again.
  if (channel_) channel_->send(json::serialize(model::gpu_request_result_message(result)));
}

bool Agent::register_instance() {
  EcsClient client(options_.endpoint, clock_);
  OfferOptions offer = options_.offer;
  for (auto& capability : driver_->capabilities()) offer.attributes.emplace_back(capability, "");
  json::object request = registration_request(offer);
  request["cluster"] = options_.cluster;
  if (auto known = store_.instance_arn()) request["containerInstanceArn"] = *known;
  for (auto delay = std::chrono::milliseconds(100); !stopping_;
       delay = std::min<std::chrono::milliseconds>(delay * 2, kMaxReconnectDelay)) {
    try {
      json::object answer = client.call("RegisterContainerInstance", request);
      instance_arn_ = std::string(answer.at("containerInstance").at("containerInstanceArn").as_string());
      store_.save_instance_arn(instance_arn_);
      spdlog::info("agent: registered as {} in cluster {}", instance_arn_, options_.cluster);
      return true;
    } catch (const core::ApiError& error) {
      if (error.type() == "ClusterNotFoundException") {
        if (options_.cluster == "default" || options_.create_cluster) {
          // As the ECS agent does: the default cluster is made on first use.
          client.call("CreateCluster", json::object{{"clusterName", options_.cluster}});
          continue;
        }
        spdlog::warn("agent: cluster {} does not exist; create it (aws ecs create-cluster "
                     "--cluster-name {}). Retrying.", options_.cluster, options_.cluster);
        std::this_thread::sleep_for(delay);
        continue;
      }
      if (request.contains("containerInstanceArn") && error.type() == "InvalidParameterException") {
        // The control plane no longer knows the old instance: start afresh.
        spdlog::warn("agent: {}; registering as a new instance", error.message());
        request.erase("containerInstanceArn");
        continue;
      }
      if (error.http_status() < 500) throw;
      spdlog::warn("agent: registration failed: {}; retrying", error.message());
    } catch (const std::exception& error) {
      spdlog::warn("agent: cannot reach the control plane: {}; retrying", error.what());
    }
    std::this_thread::sleep_for(delay);
  }
  return false;
}

void Agent::recover() {
  for (auto& stored : store_.tasks()) {
    const std::string arn = stored.desired.task_arn;
    TaskSpec spec;
    try {
      spec = resolve_task_spec(arn, *stored.desired.task_definition, stored.desired.overrides,
                               stored.desired.gpu_ids);
      take_task(spec);
    } catch (const std::exception& error) {
      spdlog::warn("agent: cannot reattach to task {}: {}", arn, error.what());
      continue;
    }
    Entry& entry = tasks_[arn];
    entry.desired = std::move(stored.desired);
    entry.runner = std::make_unique<TaskRunner>(
        io_.get_executor(), *driver_, std::move(spec),
        [this, arn](const TaskStatus& status) { changed(arn, status); }, clock_,
        std::move(stored.status));
    spdlog::info("agent: reattached to task {}", arn);
    // A task told to stop before the restart finishes stopping now: the
    // control plane will not say so again.
    if (entry.desired.desired_status == "RUNNING") {
      entry.runner->start();
    } else {
      entry.runner->stop({});
    }
  }
}

void Agent::connect() {
  if (stopping_) return;
  // The instance's own cluster: a FARGATE-only host is in the FARGATE pool.
  std::string target = std::string(model::kAgentChannelPath) +
                       "?cluster=" + core::scoped_cluster(instance_arn_, options_.cluster) +
                       "&containerInstance=" + instance_arn_;
  EcsClient signer(options_.endpoint, clock_);
  net::WebSocket::connect(
      io_.get_executor(), signer.host(), signer.port(), target, signer.signed_upgrade_headers(target),
      [this](std::string error, std::shared_ptr<net::WebSocket> socket) {
        asio::post(io_, [this, error, socket] {
          if (stopping_) return;
          if (!socket) {
            spdlog::warn("agent: channel: {}", error);
            return schedule_reconnect();
          }
          spdlog::info("agent: channel to the control plane is up");
          reconnect_delay_ = std::chrono::milliseconds(100);
          channel_ = socket;
          channel_definitions_.clear();  // a new channel carries them again
          socket->start(
              [this](std::string message) {
                asio::post(io_, [this, message = std::move(message)] { received(message); });
              },
              [this, weak = std::weak_ptr<net::WebSocket>(socket)](std::string reason) {
                asio::post(io_, [this, weak, reason] {
                  if (channel_ != weak.lock()) return;
                  spdlog::warn("agent: channel closed ({}); reconnecting", reason);
                  channel_.reset();
                  schedule_reconnect();
                });
              });
          // Level-triggered both ways: say again where every task and GPU stands.
          send_gpu_health();
          for (auto& [arn, entry] : tasks_) {
            reporter_->report(entry.runner->status());
            entry.health_sent.clear();
            send_health(entry);
            entry.address_sent = false;
            send_address(entry);
          }
        });
      },
      options_.channel_idle_timeout);
}

void Agent::schedule_reconnect() {
  if (stopping_) return;
  reconnect_timer_.expires_after(reconnect_delay_);
  reconnect_delay_ = std::min<std::chrono::milliseconds>(reconnect_delay_ * 2, kMaxReconnectDelay);
  reconnect_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) connect();
  });
}

void Agent::received(const std::string& message) {
  try {
    json::value parsed = json::parse(message);
    const json::object& object = parsed.as_object();
    if (model::message_type(object) == "gpuRequests") {
      return take_gpu_requests(model::parse_gpu_requests(object));
    }
    reconcile(model::parse_desired_tasks(object, channel_definitions_));
  } catch (const std::exception& error) {
    spdlog::warn("agent: ignoring a malformed channel message: {}", error.what());
  }
}

void Agent::reconcile(model::DesiredTasks desired) {
  for (auto& task : desired.tasks) {
    auto it = tasks_.find(task.task_arn);
    if (it == tasks_.end()) {
      if (task.desired_status == "RUNNING") {
        launch(task);
      } else {
        reporter_->report(never_started(task.task_arn));
      }
      continue;
    }
    if (task.desired_status == "STOPPED" && it->second.desired.desired_status != "STOPPED") {
      it->second.desired.desired_status = "STOPPED";
      it->second.runner->stop({});
    }
  }
  if (!desired.complete) {
    for (const auto& arn : desired.removed) {
      if (auto it = tasks_.find(arn); it != tasks_.end()) let_go(it);
    }
    return;
  }
  std::set<std::string> listed;
  for (const auto& task : desired.tasks) listed.insert(task.task_arn);
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    it = listed.contains(it->first) ? std::next(it) : let_go(it);
  }
}

// A task the control plane no longer lists: forgotten once stopped (its
// STOPPED report was taken, or the task would still be listed), stopped
// otherwise.
Agent::Tasks::iterator Agent::let_go(Tasks::iterator it) {
  if (it->second.runner->status().last_status != kStatusStopped) {
    it->second.runner->stop("Task is no longer known to the control plane");
    return std::next(it);
  }
  // Its cgroups and runtime files go; its logs stay.
  for (const auto& container : it->second.runner->status().containers) {
    if (container.handle) driver_->remove(*container.handle);
  }
  driver_->remove_task(it->second.runner->spec());
  store_.forget_task(it->first);
  return tasks_.erase(it);
}

void Agent::launch(const model::DesiredTask& desired) {
  const std::string arn = desired.task_arn;
  TaskSpec spec;
  try {
    spec = resolve_task_spec(arn, *desired.task_definition, desired.overrides, desired.gpu_ids);
    take_task(spec);
  } catch (const std::exception& error) {
    TaskStatus status = never_started(arn);
    status.stopped_reason = std::string("CannotStartContainerError: ") + error.what();
    reporter_->report(status);
    return;
  }
  Entry& entry = tasks_[arn];
  entry.desired = desired;
  entry.runner = std::make_unique<TaskRunner>(
      io_.get_executor(), *driver_, std::move(spec),
      [this, arn](const TaskStatus& status) { changed(arn, status); }, clock_);
  // Persisted at its first change, which carries the driver's handles: a
  // crash before that loses nothing a restart would not redo.
  entry.runner->start();
}

void Agent::changed(const std::string& task_arn, const TaskStatus& status) {
  auto it = tasks_.find(task_arn);
  if (it == tasks_.end()) return;
  Entry& entry = it->second;
  // Persist first: a restart right after the report must still know the task.
  store_.save_task(entry.desired, status);
  if (status.last_status == kStatusStopped && status.started_at &&
      entry.reported != kStatusRunning && entry.reported != kStatusStopped) {
    reporter_->report(as_running(status));
  }
  reporter_->report(status);
  entry.reported = status.last_status;
  send_health(entry);
  send_address(entry);
}

void Agent::send_address(Entry& entry) {
  const TaskSpec& spec = entry.runner->spec();
  if (!channel_ || entry.address_sent || spec.network_mode != "awsvpc" ||
      entry.runner->status().last_status != kStatusRunning) {
    return;
  }
  const std::string address = driver_->task_address(spec);
  if (address.empty()) return;
  entry.address_sent = true;
  channel_->send(json::serialize(model::task_address_message({spec.task_arn, address})));
}

void Agent::send_health(Entry& entry) {
  if (!channel_) return;
  const TaskStatus& status = entry.runner->status();
  model::HealthReport report{status.task_arn, status.health_status, {}};
  for (const auto& c : status.containers) report.containers.emplace_back(c.name, c.health_status);
  std::string message = json::serialize(model::health_message(report));
  if (message == entry.health_sent) return;
  entry.health_sent = message;
  channel_->send(std::move(message));
}

void Agent::start_metadata_server() {
  // Loopback for host-mode and process containers, and the address bridged
  // containers see this machine at.
  std::vector<std::string> addresses{"127.0.0.1"};
  TaskSpec bridged;
  bridged.network_mode = "bridge";
  if (auto gateway = driver_->host_address(bridged); gateway != addresses.front()) {
    addresses.push_back(gateway);
  }
  try {
    metadata_ = std::make_unique<metadata::MetadataServer>(
        addresses, options_.metadata_port,
        [this](const std::string& task_id) { return find_task(task_id); },
        [this](const ContainerHandle& handle) { return driver_->stats(handle); });
    spdlog::info("agent: task metadata endpoint on port {}", metadata_->port());
  } catch (const std::exception& error) {
    spdlog::warn("agent: no task metadata endpoint: {}", error.what());
  }
}

void Agent::take_task(TaskSpec& spec) const {
  spec.container_instance_arn = instance_arn_;
  // As the ECS agent does: the NVIDIA runtime and tools read the GPUs to
  // expose from the environment.
  for (auto& container : spec.containers) {
    if (container.gpu_ids.empty()) continue;
    std::string visible;
    for (const auto& id : container.gpu_ids) visible += (visible.empty() ? "" : ",") + id;
    container.environment.emplace_back("NVIDIA_VISIBLE_DEVICES", visible);
  }
  if (!metadata_) return;
  const std::string base =
      "http://" + driver_->host_address(spec) + ":" + std::to_string(metadata_->port());
  for (auto& container : spec.containers) {
    container.environment.emplace_back(
        "ECS_CONTAINER_METADATA_URI_V4",
        base + metadata::endpoint_path(spec.task_id, container.name));
  }
}

TaskView Agent::view_of(const Entry& entry) const {
  return TaskView{entry.runner->spec(), entry.runner->status(),
                  core::scoped_cluster(entry.desired.task_arn, options_.cluster), instance_arn_,
                  entry.desired.desired_status};
}

template <typename Result, typename Read>
Result Agent::on_agent_thread(Read read, Result if_stopped) {
  if (stopping_ || !thread_.joinable()) return if_stopped;
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  asio::post(io_, [promise, read = std::move(read)] { promise->set_value(read()); });
  // The io_context may stop before it runs the read: don't wait forever.
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return if_stopped;
  return future.get();
}

std::optional<TaskView> Agent::find_task(const std::string& task_id) {
  return on_agent_thread<std::optional<TaskView>>(
      [this, task_id]() -> std::optional<TaskView> {
        for (const auto& [arn, entry] : tasks_) {
          if (entry.runner->spec().task_id == task_id) return view_of(entry);
        }
        return std::nullopt;
      },
      std::nullopt);
}

std::vector<TaskView> Agent::running_tasks() {
  return on_agent_thread<std::vector<TaskView>>(
      [this] {
        std::vector<TaskView> out;
        for (const auto& [arn, entry] : tasks_) {
          const auto& containers = entry.runner->status().containers;
          if (std::any_of(containers.begin(), containers.end(), [](const ContainerStatus& c) {
                return c.last_status == kStatusRunning;
              })) {
            out.push_back(view_of(entry));
          }
        }
        return out;
      },
      {});
}

}  // namespace gantry::agent
