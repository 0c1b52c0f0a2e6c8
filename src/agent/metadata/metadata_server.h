#pragma once
// ECS's task metadata endpoint v4, served by the agent to its containers.
// Each container is told its own URL, http://<host>:<port>/v4/<token>, with
// token = "<task id>-<container name>" (task ids have no '-'), and reads:
//   GET /v4/<token>             the container's metadata
//   GET /v4/<token>/task        the task's metadata with all its containers
//   GET /v4/<token>/stats       the container's Docker stats, as Docker gives them
//   GET /v4/<token>/task/stats  {DockerId: stats or null} for the task's containers
// The server runs on its own thread; finding tasks and sampling stats block,
// so they run on a small worker pool and never on the io thread.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/driver.h"
#include "agent/task_view.h"
#include "net/http_server.h"

namespace gantry::agent::metadata {

// One Docker-shaped stats sample of a container, or nullopt (Driver::stats).
using ContainerStats =
    std::function<std::optional<boost::json::object>(const ContainerHandle& handle)>;

// The path a container's endpoint URL ends in: "/v4/<task id>-<container name>".
std::string endpoint_path(const std::string& task_id, const std::string& container_name);

class MetadataServer {
 public:
  // Listens on every address of `addresses` at `port` (0: one the system
  // picks, shared by all of them). An address after the first that cannot
  // be bound is logged and skipped; throws std::runtime_error when the
  // first cannot be, or `addresses` is empty.
  MetadataServer(const std::vector<std::string>& addresses, uint16_t port, FindTask find_task,
                 ContainerStats stats);
  // Stops listening, waits for requests in progress on the workers, and
  // drops open connections.
  ~MetadataServer();

  MetadataServer(const MetadataServer&) = delete;
  MetadataServer& operator=(const MetadataServer&) = delete;

  uint16_t port() const { return port_; }
  // The addresses actually listened on.
  const std::vector<std::string>& addresses() const { return bound_; }

 private:
  void handle(net::HttpRequest&& request, net::Responder respond);
  void serve_task_stats(const TaskView& task, const net::Responder& respond);

  FindTask find_task_;
  ContainerStats stats_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;
  std::vector<std::string> bound_;
  uint16_t port_ = 0;
  boost::asio::thread_pool workers_;
  std::thread thread_;
};

}  // namespace gantry::agent::metadata
