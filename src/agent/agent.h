#pragma once
// The node agent: registers this machine as a container instance, keeps the
// agent channel to the control plane, converges its tasks to the desired
// set the channel pushes, and reports what they do. Level-triggered: the
// whole desired set comes on every change and on every reconnect, and the
// agent reports every task's status again when it reconnects, so a lost
// message, a reconnect or a restart on either side heals by itself.
//
// Everything runs on one io_context thread, except the reporter's HTTP
// calls, which have a thread of their own.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "agent/agent_store.h"
#include "agent/driver.h"
#include "agent/ecs_client.h"
#include "agent/gpu/gpu_request_runner.h"
#include "agent/gpu/gpu_watcher.h"
#include "agent/gpu/nvml_library.h"
#include "agent/host_resources.h"
#include "agent/metadata/metadata_server.h"
#include "agent/state_reporter.h"
#include "agent/stats_collector.h"
#include "agent/task_runner.h"
#include "agent/task_view.h"
#include "model/agent_protocol.h"
#include "net/websocket.h"

namespace gantry::agent {

struct AgentOptions {
  EcsEndpoint endpoint;
  std::string cluster = "default";
  // Make the cluster when it is missing; the ECS agent makes `default` so.
  bool create_cluster = false;
  std::filesystem::path state_dir;
  OfferOptions offer;
  // How long a silent channel lives (pings keep a healthy one busy).
  std::chrono::seconds channel_idle_timeout{10};
  // Where the task metadata endpoint (v4) listens, on loopback and on the
  // address the driver's containers reach this machine at; 0: any free port.
  // Fixed by default, so containers keep a working URL across agent restarts.
  uint16_t metadata_port = 51679;
  // NVML, to find the GPUs and watch their health; empty: no GPUs. Unused
  // when offer.gpu_ids names them (the operator's --gpu-ids).
  std::string nvml_library = gpu::kDefaultNvmlLibrary;
  gpu::GpuWatcherOptions gpu_watch;
  // The operator's commands for the control plane's GPU requests.
  gpu::GpuRequestOptions gpu_requests;
};

using DriverFactory =
    std::function<std::unique_ptr<Driver>(boost::asio::any_io_executor executor)>;

class Agent {
 public:
  Agent(AgentOptions options, const core::Clock& clock, DriverFactory make_driver);
  // Stops the agent; the tasks keep running, for the next agent to reattach.
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Registers (retrying until the control plane answers), reattaches to the
  // tasks of an earlier run, and starts the agent's thread. Returns early,
  // unstarted, when request_stop() is called meanwhile.
  void start();
  // May be called from any thread, e.g. a signal handler's.
  void request_stop() { stopping_ = true; }
  const std::string& instance_arn() const { return instance_arn_; }

  // Copies taken on the agent's thread; they block until it answers, so
  // never call them from that thread. nullopt / empty once it has stopped.
  std::optional<TaskView> find_task(const std::string& task_id);
  std::vector<TaskView> running_tasks();

 private:
  struct Entry {
    model::DesiredTask desired;
    std::unique_ptr<TaskRunner> runner;
    std::string health_sent;  // the health message last sent, to send only changes
    std::string reported;     // the lifecycle step last reported
    bool address_sent = false;  // awsvpc: the task's address went to the control plane
  };

  bool register_instance();
  void recover();
  void connect();
  void schedule_reconnect();
  void received(const std::string& message);
  using Tasks = std::map<std::string, Entry>;  // by task ARN
  void reconcile(model::DesiredTasks desired);
  Tasks::iterator let_go(Tasks::iterator task);
  void launch(const model::DesiredTask& desired);
  void changed(const std::string& task_arn, const TaskStatus& status);
  void send_health(Entry& entry);
  void send_address(Entry& entry);
  TaskView view_of(const Entry& entry) const;
  void start_metadata_server();
  // Finds the GPUs through NVML and adds them to the offer.
  void discover_gpus();
  void send_gpu_health();
  // The control plane's GPU requests: run on the runner's thread, answered
  // over the channel.
  void start_gpu_requests();
  void take_gpu_requests(const std::vector<model::GpuRequest>& requests);
  void send_gpu_request_result(const model::GpuRequestResult& result);
  // What a task's spec gets from this agent: its instance ARN, and for each
  // container where its task metadata endpoint is.
  void take_task(TaskSpec& spec) const;
  template <typename Result, typename Read>
  Result on_agent_thread(Read read, Result if_stopped);

  AgentOptions options_;
  const core::Clock& clock_;
  std::string instance_arn_;
  AgentStore store_;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<StateReporter> reporter_;
  std::unique_ptr<metadata::MetadataServer> metadata_;
  std::unique_ptr<StatsCollector> stats_;
  std::unique_ptr<gpu::GpuWatcher> gpus_;
  std::string gpu_health_;  // the latest gpuHealth message, sent on every connect
  std::vector<gpu::GpuIdentity> gpu_identities_;  // the GPUs NVML found
  std::unique_ptr<gpu::GpuRequestRunner> gpu_requests_;
  Tasks tasks_;
  std::shared_ptr<net::WebSocket> channel_;
  model::TaskDefinitions channel_definitions_;  // those the channel carried
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds reconnect_delay_{100};
  std::atomic<bool> stopping_ = false;
  std::thread thread_;
};

}  // namespace gantry::agent
