#pragma once
// The control plane's end of the agent channel (model/agent_protocol.h):
// authenticates an agent's WebSocket upgrade, keeps one channel per
// container instance (its record's agentConnected, set by the
// ecs::set_agent_connection command as channels open and close), pushes each instance its desired
// task set when it connects and what changed in it as the event log shows
// each durable change, and applies the task states and health and keeps the
// stats the agents report.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "auth/credentials.h"
#include "core/clock.h"
#include "ecs/command_runner.h"
#include "ecs/task_reports.h"
#include "model/agent_protocol.h"
#include "model/gpu_health.h"
#include "model/gpu_requests.h"
#include "net/http_server.h"
#include "net/websocket.h"
#include "state/control_state.h"
#include "state/task_stats.h"

namespace gantry::api {

class AgentChannel {
 public:
  AgentChannel(boost::asio::io_context& io, ecs::CommandRunner& commands,
               state::TaskStats& task_stats,
               const auth::Credentials& credentials, const core::Clock& clock,
               std::chrono::seconds idle_timeout);
  ~AgentChannel();

  // The HTTP server's upgrade handler.
  void upgrade(net::HttpRequest&& request, boost::beast::tcp_stream&& stream);

 private:
  // The task definitions a channel has carried. Its lock is held from
  // composing a message to queueing it, so no message that leaves a
  // definition out can overtake the one that carries it.
  struct SentDefinitions {
    std::mutex mutex;
    std::set<std::string, std::less<>> arns;
  };
  struct Connection {
    std::string cluster;
    std::string instance_id;
    std::string instance_arn;
    std::shared_ptr<net::WebSocket> socket;
    std::shared_ptr<SentDefinitions> sent = std::make_shared<SentDefinitions>();
    uint64_t serial = 0;
  };
  // Channels are by instance id, unique across clusters: a FARGATE host
  // runs the tasks of every cluster.
  using InstanceKey = std::string;
  template <class Value>
  using ByInstance = boost::unordered_flat_map<InstanceKey, Value>;
  // What an instance must hear of at the next flush.
  struct PendingPush {
    bool complete = false;  // the whole set: a new channel, or its record changed
    std::set<std::pair<std::string, std::string>> changed;  // (cluster, task id): new, or
                                                            // now desired STOPPED
    std::vector<std::string> removed;  // task ARNs that left the set
  };

  void opened(Connection connection);
  void closed(const InstanceKey& instance, uint64_t serial);
  // Submits the instance's agentConnected (the caller holds mutex_).
  void set_connected(const std::string& cluster, const std::string& instance_id, bool connected);
  void submit_reports(const std::string& cluster, ecs::TaskReports reports);
  // `cluster` is the agent's: reports name each task's own (see named_task).
  void received(const std::string& cluster, const std::string& instance_arn,
                const std::string& message);
  void received_address(const std::string& cluster, const model::TaskAddress& address);
  void received_health(const std::string& cluster, const boost::json::object& message);
  void received_gpu_health(const std::string& cluster, const std::string& instance_arn,
                           std::vector<model::GpuHealth> gpus);
  void received_gpu_request_result(const std::string& cluster, const std::string& instance_arn,
                                   model::GpuRequestResult result);
  void received_task_states(const std::string& cluster, const boost::json::object& message);
  // Adds what a logged change means to the instance it touched.
  static void note(const state::LoggedChange& change, ByInstance<PendingPush>& pending);
  void push(const InstanceKey& instance, const PendingPush& pending);
  // Reads the event log from the cursor and pushes what it changed.
  void flush();

  boost::asio::io_context& io_;
  ecs::CommandRunner& commands_;
  state::ControlState& state_;
  state::TaskStats& task_stats_;
  const auth::Credentials& credentials_;
  const core::Clock& clock_;
  const std::chrono::seconds idle_timeout_;

  std::mutex mutex_;
  ByInstance<Connection> connections_;
  int64_t cursor_;  // the last revision read from the event log
  uint64_t next_serial_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // Set by the log's wake until the flush it posted starts: a burst of
  // commits costs one flush.
  std::atomic<bool> flush_posted_ = false;
  state::EventLog::Subscription subscription_;
};

}  // namespace gantry::api
