#pragma once
// A scripted HTTP server on a unix socket in a fresh temporary directory,
// for tests of clients that speak HTTP over unix sockets (HttpClient, the
// Docker Engine API client). Each connection is handed to the test's
// handler on a thread of its own; the handler reads requests and writes raw
// bytes, so a test controls exactly how a response is framed and when each
// piece of it is sent.
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace gantry::net::testing {

using ServerRequest = boost::beast::http::request<boost::beast::http::string_body>;

// A one-shot signal between a test and a handler, with bounded waits so
// that a failing test cannot hang.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds limit = std::chrono::seconds(2)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return open_; });
  }
  bool is_open() {
    std::lock_guard lock(mutex_);
    return open_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

class ServerConnection {
 public:
  explicit ServerConnection(boost::asio::local::stream_protocol::socket socket)
      : socket_(std::move(socket)), fd_(socket_.native_handle()) {}

  // The next request on the connection; nullopt once the client closed it.
  std::optional<ServerRequest> read_request() {
    ServerRequest request;
    boost::beast::error_code ec;
    boost::beast::http::read(socket_, buffer_, request, ec);
    if (ec) return std::nullopt;
    return request;
  }

  // Writes raw bytes; false when the client has gone.
  bool write(std::string_view raw) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(raw.data(), raw.size()), ec);
    return !ec;
  }

  // Blocks until the client closes its end (or `limit` passes); true if it did.
  // A client that closes with data of ours unread resets the connection: that
  // is a close too.
  bool wait_for_close(std::chrono::milliseconds limit = std::chrono::seconds(2)) {
    timeval tv{static_cast<time_t>(limit.count() / 1000),
               static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char byte;
    for (;;) {
      const auto n = ::recv(fd_, &byte, 1, 0);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  // From any thread: closes the connection as the client sees it and makes
  // blocked reads and writes on it fail. (Not close(): the descriptor's
  // number must not be reused while the server may still shut it down.)
  void shut_down() { ::shutdown(fd_, SHUT_RDWR); }

 private:
  boost::asio::local::stream_protocol::socket socket_;
  int fd_;
  boost::beast::flat_buffer buffer_;
};

class UnixHttpServer {
 public:
  using Handler = std::function<void(ServerConnection&)>;

  explicit UnixHttpServer(Handler handler) : handler_(std::move(handler)) {
    std::string dir = "/tmp/gantry-unix-http-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    path_ = (dir_ / "engine.sock").string();
    acceptor_.emplace(io_, boost::asio::local::stream_protocol::endpoint(path_));
    accepting_ = std::thread([this] { accept_loop(); });
  }

  ~UnixHttpServer() {
    stopping_ = true;
    {
      // Wakes the blocked accept().
      boost::asio::local::stream_protocol::socket waker(io_);
      boost::system::error_code ec;
      waker.connect(boost::asio::local::stream_protocol::endpoint(path_), ec);
      accepting_.join();
    }
    {
      std::lock_guard lock(mutex_);
      for (auto& connection : connections_) connection->shut_down();
    }
    for (auto& worker : workers_) worker.join();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  UnixHttpServer(const UnixHttpServer&) = delete;
  UnixHttpServer& operator=(const UnixHttpServer&) = delete;

  const std::string& path() const { return path_; }
  // Connections accepted so far.
  int connections() const { return accepted_; }

 private:
  void accept_loop() {
    for (;;) {
      boost::asio::local::stream_protocol::socket socket(io_);
      boost::system::error_code ec;
      acceptor_->accept(socket, ec);
      if (ec || stopping_) return;
      auto connection = std::make_shared<ServerConnection>(std::move(socket));
      {
        std::lock_guard lock(mutex_);
        connections_.push_back(connection);
      }
      ++accepted_;
      // The connection closes when its handler is done with it.
      workers_.emplace_back([this, connection] {
        handler_(*connection);
        connection->shut_down();
      });
    }
  }

  Handler handler_;
  std::filesystem::path dir_;
  std::string path_;
  boost::asio::io_context io_;
  std::optional<boost::asio::local::stream_protocol::acceptor> acceptor_;
  std::atomic<bool> stopping_ = false;
  std::atomic<int> accepted_ = 0;
  std::mutex mutex_;
  std::vector<std::shared_ptr<ServerConnection>> connections_;
  std::vector<std::thread> workers_;  // touched by the accept thread until it is joined
  std::thread accepting_;
};

// Raw response pieces.
inline std::string status_line(int status) {
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
}

// A whole response with a Content-Length.
inline std::string http_response(int status, std::string_view body,
                                 std::string_view content_type = "application/json") {
  return status_line(status) + "Content-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// The head of a chunked response; chunk() and last_chunk() follow it.
inline std::string chunked_head(int status, std::string_view content_type = "application/json") {
  return status_line(status) + "Content-Type: " + std::string(content_type) +
         "\r\nTransfer-Encoding: chunked\r\n\r\n";
}

inline std::string chunk(std::string_view data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

inline std::string last_chunk() { return "0\r\n\r\n"; }

}  // namespace gantry::net::testing
