#pragma once
// Ships the output of every container whose definition uses the awslogs
// log driver to CloudWatch Logs on gantry's endpoint, as Docker's awslogs
// driver ships it to CloudWatch: in batches of PutLogEvents to the group
// and stream the options name, at least once and, across agent restarts,
// no line twice (container_log.h).
//
// One thread of its own does the reading and the HTTP; the agent's thread
// hands it work through a queue and gets its answers posted back to its
// executor. Every 100 ms (or at once while there is more to send) each log
// reads what its output has new and sends it, so a line printed is
// readable through GetLogEvents well within a second. A control plane that
// cannot be reached is tried again with backoff; meanwhile the output
// waits where the runtime keeps it.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "agent/ecs_client.h"
#include "agent/logs/container_log.h"
#include "agent/task_spec.h"
#include "core/clock.h"

namespace gantry::agent {

struct LogShipperOptions {
  EcsEndpoint endpoint;             // its region is that of logs whose options name none
  std::filesystem::path directory;  // where the logs' records are kept
  std::chrono::milliseconds interval{100};
};

class LogShipper {
 public:
  LogShipper(LogShipperOptions options, const core::Clock& clock, MakeLogSource make_source,
             boost::asio::any_io_executor agent_executor);
  // Stops the thread; the records stay, for the next agent to resume.
  ~LogShipper();
  LogShipper(const LogShipper&) = delete;
  LogShipper& operator=(const LogShipper&) = delete;

  // Loads the records an earlier agent left and starts the thread. An
  // output whose container was to be removed once shipped is handed to
  // `remove` (on the agent's executor) then.
  void start(std::function<void(const ContainerHandle&)> remove);

  // The ARNs of the tasks whose output is still to be shipped: their
  // containers are no orphans. Any thread.
  std::set<std::string> tasks_shipping() const;

  // Before the container starts: makes its group when awslogs-create-group
  // allows, and its stream. `done` gets "" to go on, or the reason the
  // container cannot start (its group does not exist), on the agent's
  // executor. A control plane that cannot be reached is no reason: the
  // output waits until it is back.
  void open(const TaskSpec& task, const ContainerSpec& container,
            std::function<void(std::string reason)> done);
  // Ships the output of a container open() allowed and the driver started.
  void add_output(const std::string& task_arn, const std::string& container,
                  const ContainerHandle& handle);
  // The container is to be removed: `then` runs once its output is shipped.
  void when_shipped(const ContainerHandle& handle, std::function<void()> then);
  // The task is going: its logs end once read to the end, then `then` runs
  // (at once when none of its containers ships).
  void when_task_shipped(const std::string& task_arn, std::function<void()> then);

 private:
  using Command = std::function<void()>;
  void post(Command command);
  void post_to_agent(std::function<void()> fn);
  void run();
  void run_commands();
  ContainerLog* find(const std::string& task_arn, const std::string& container);
  std::string open_log(ContainerLog& log);
  void make_group(ContainerLog& log);
  void make_stream(ContainerLog& log);  // throws core::ApiError
  bool ensure_stream(ContainerLog& log);
  void publish_tasks_shipping();
  bool verify_inflight(ContainerLog& log);
  // Reads and sends what it can; true when more is ready at once.
  bool step(ContainerLog& log);
  void read(ContainerLog& log);
  bool send(ContainerLog& log);
  void end_front_output(ContainerLog& log);
  void save(const ContainerLog& log, const std::optional<InflightBatch>& inflight = {});
  EcsClient& client(const std::string& region);
  bool backing_off(const std::string& key) const;
  void back_off(const std::string& key, const std::string& why);
  int64_t now_ms() const;

  LogShipperOptions options_;
  const core::Clock& clock_;
  MakeLogSource make_source_;
  boost::asio::any_io_executor agent_executor_;
  std::function<void(const ContainerHandle&)> remove_recovered_;

  // The shipper thread's own.
  std::map<std::string, ContainerLog> logs_;                   // by task id + "/" + container
  std::map<std::string, std::unique_ptr<EcsClient>> clients_;  // by region
  struct Backoff {
    std::chrono::steady_clock::time_point until;
    std::chrono::milliseconds delay{0};
  };
  std::map<std::string, Backoff> backoff_;  // by log key

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Command> commands_;
  std::set<std::string> tasks_shipping_;  // those with a log; guarded by mutex_
  std::multiset<std::string> opening_;    // open() under way; guarded by mutex_
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gantry::agent
