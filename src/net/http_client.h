#pragma once
// A blocking HTTP/1.1 client over one keep-alive connection, for callers
// that have a thread of their own (the agent's reporter, the Docker driver,
// tools). It speaks TCP or a unix socket (the Docker Engine API's
// /var/run/docker.sock). Every request is bounded by a timeout; a
// connection the server closed while idle is reopened once.
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/http_server.h"

namespace gantry::net {

// Names a unix socket where a host and port would go.
struct UnixSocketPath {
  std::string path;
};

class HttpClient {
 public:
  HttpClient(std::string host, std::string port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // A client of the server listening on a unix socket.
  explicit HttpClient(UnixSocketPath socket,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Throws std::runtime_error when the server cannot be reached or does not
  // answer in time.
  HttpResponse send(HttpRequest request);

  // For responses that stream (Docker's events, a followed log, a pull's
  // progress): sends `request` and returns the status and headers once they
  // arrive; `on_data` then gets the body piece by piece, with no timeout,
  // until the body ends, `on_data` returns false, or interrupt() is called.
  // Returns the response with an empty body; the connection is not reused.
  // A response of status 300 or above is not streamed: its body (at most
  // 64 KiB) is returned instead.
  using OnData = std::function<bool(std::string_view)>;
  HttpResponse stream(HttpRequest request, const OnData& on_data);

  // Thread-safe: makes a stream() blocked in another thread return (with
  // a std::runtime_error) by shutting its socket down. Sticky: a stream()
  // that has not connected yet fails once it has.
  void interrupt();

  const std::string& host() const { return host_; }
  const std::string& port() const { return port_; }
  // "host:port" as the Host header carries it (IPv6 in brackets); "localhost"
  // for a unix socket.
  std::string host_header() const;

  HttpClient(HttpClient&&) = delete;
  HttpClient& operator=(HttpClient&&) = delete;

 private:
  using UnixStream = boost::beast::basic_stream<boost::asio::local::stream_protocol>;
  using Stream = std::variant<std::monostate, boost::beast::tcp_stream, UnixStream>;

  HttpResponse exchange(const HttpRequest& request);
  void connect();
  void close();
  std::string describe() const;
  void prepare(HttpRequest& request) const;

  std::string host_;
  std::string port_;
  std::string unix_path_;  // set for a unix socket client
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  Stream stream_;
  std::mutex fd_mutex_;  // guards native_fd_ against interrupt()
  int native_fd_ = -1;
  bool interrupted_ = false;  // guarded by fd_mutex_
};

// Splits "http://host:port[/...]" into host and port (80 when absent).
std::pair<std::string, std::string> split_http_url(const std::string& url);

}  // namespace gantry::net
