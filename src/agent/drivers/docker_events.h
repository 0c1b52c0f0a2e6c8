#pragma once
// Follows the Docker engine's event stream for gantry's containers and
// turns it into the driver's callbacks: exits (a `die`, confirmed by an
// inspect for the exit code and OOM flag) and health changes. One thread,
// one connection, whatever the number of containers; after a broken stream
// it reconnects and asks for the events since the last one it saw, so none
// is lost while the engine stays up.
#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/docker/docker_client.h"
#include "agent/driver.h"

namespace gantry::agent {

class DockerEvents {
 public:
  using OnExit = std::function<void(ExitStatus)>;
  using OnHealth = std::function<void(std::string)>;

  // Follows events of containers labelled `label` ("key=value").
  DockerEvents(docker::DockerClient& client, std::string label);
  ~DockerEvents();
  DockerEvents(const DockerEvents&) = delete;
  DockerEvents& operator=(const DockerEvents&) = delete;

  // Calls `on_exit` once, from the events thread or the caller's, when the
  // container has exited, including before this call.
  void watch_exit(const std::string& id, OnExit on_exit);
  // Calls `on_health` with HEALTHY or UNHEALTHY on every change, starting
  // with the current health when it is known; forgotten once the container exits.
  void watch_health(const std::string& id, OnHealth on_health);

  // The exit of a container that is not running, from its inspection.
  static ExitStatus exit_status(const boost::json::object& inspected);

 private:
  void run();
  void handle(const boost::json::object& event);
  // Delivers the exit of `id` when it is no longer running; true if it did.
  bool deliver_if_exited(const std::string& id);
  void recheck_all();

  docker::DockerClient& client_;
  std::string label_;
  std::mutex mutex_;
  std::map<std::string, OnExit> exits_;
  std::map<std::string, OnHealth> health_;
  std::unique_ptr<net::HttpClient> connection_;
  std::atomic<bool> stopping_ = false;
  int64_t since_ = 0;  // unix seconds of the last event seen
  std::thread thread_;
};

}  // namespace gantry::agent
