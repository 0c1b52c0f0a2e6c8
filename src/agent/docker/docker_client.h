#pragma once
// The Docker Engine API (v1.41 and later) over its unix socket, spoken
// directly: no `docker` CLI. Thread-safe: each call takes a connection from
// a small pool, so a slow call (stop, stats, pull) holds up no other.
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"

namespace gantry::agent::docker {

// What the engine answered when it refused a call: its HTTP status and
// its message ("No such image: ...").
class DockerError : public std::runtime_error {
 public:
  DockerError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct ExecOutput {
  int exit_code = 0;
  std::string output;  // stdout and stderr, interleaved, at most max_output bytes
};

// One frame of a non-TTY container's multiplexed stream (logs, exec).
enum class StreamKind { kStdin = 0, kStdout = 1, kStderr = 2 };

class DockerClient {
 public:
  explicit DockerClient(std::string socket_path);

  const std::string& socket_path() const { return socket_path_; }

  // GET /version. Throws std::runtime_error when no engine answers.
  boost::json::object version();
  // GET /info: the engine's configuration (CgroupDriver, CgroupVersion, ...).
  boost::json::object info();

  // nullopt when the engine does not have the image.
  std::optional<boost::json::object> inspect_image(const std::string& image);
  // Pulls `image` ("repo[:tag]" or "repo@digest"). `registry_auth` is the
  // X-Registry-Auth value (base64 of {"username","password",...}), or empty.
  // Throws DockerError with the registry's message, which may arrive in the
  // middle of the progress stream.
  void pull_image(const std::string& image, const std::string& registry_auth);
  // POST /images/create?fromSrc=-: makes `repo:tag` from a rootfs tar.
  void import_image(const std::string& repo, const std::string& tag, std::string tar,
                    const std::vector<std::string>& changes);

  // Returns the new container's id.
  std::string create_container(const std::string& name, const boost::json::object& body);
  void start_container(const std::string& id);
  // Blocks until the container has stopped (at most `timeout` and then a kill).
  void stop_container(const std::string& id, std::chrono::seconds timeout);
  // Gone already, or (forced) being removed by another call, counts as done.
  void remove_container(const std::string& id, bool force);
  // nullopt when there is no such container.
  std::optional<boost::json::object> inspect_container(const std::string& id);
  // Containers (running or not) that carry `label` ("key" or "key=value").
  boost::json::array list_containers(const std::string& label);
  // One sample of GET /containers/{id}/stats (stream=false: with precpu_stats).
  boost::json::object container_stats(const std::string& id);

  // Runs `argv` in a running container; at most `timeout` (std::runtime_error after).
  ExecOutput exec(const std::string& id, const std::vector<std::string>& argv,
                  std::chrono::milliseconds timeout, std::size_t max_output = 4096);

  void create_volume(const boost::json::object& body);
  void remove_volume(const std::string& name);
  std::optional<boost::json::object> inspect_network(const std::string& name);

  // GET /events, following, with `filters` (the Engine's JSON form). Calls
  // `on_event` for each event until `stop` is interrupted (std::runtime_error)
  // or the engine ends the stream (returns).
  using OnEvent = std::function<void(const boost::json::object&)>;
  void follow_events(net::HttpClient& connection, int64_t since_unix,
                     const boost::json::object& filters, const OnEvent& on_event);
  // A dedicated connection for follow_events / follow_logs, so another
  // thread can interrupt() it.
  std::unique_ptr<net::HttpClient> streaming_connection() const;

  // GET /containers/{id}/logs; with `follow`, until the container exits or
  // the connection is interrupted. `options` are more query parameters
  // ("&timestamps=1&since=...").
  using OnFrame = std::function<void(StreamKind, std::string_view)>;
  void follow_logs(net::HttpClient& connection, const std::string& id, bool follow,
                   const OnFrame& on_frame, std::string_view options = {});

 private:
  net::HttpResponse call(net::HttpRequest request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));
  std::unique_ptr<net::HttpClient> acquire(std::chrono::milliseconds timeout);
  void release(std::unique_ptr<net::HttpClient> client);

  std::string socket_path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<net::HttpClient>> idle_;  // all with the default timeout
};

// Splits a multiplexed stream into frames. Keeps a partial frame between calls.
class StreamDemuxer {
 public:
  void feed(std::string_view data, const DockerClient::OnFrame& on_frame);

 private:
  std::string pending_;
};

// "a/b c" -> "a%2Fb%20c": for query parameters.
std::string query_escape(std::string_view text);

}  // namespace gantry::agent::docker
