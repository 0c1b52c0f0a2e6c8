#pragma once
// A text-message WebSocket (Boost.Beast) for both ends of the agent
// channel: the server accepts one from an HTTP upgrade, the agent connects.
// Messages are delivered on the socket's strand; send() and close() may be
// called from any thread. Pings keep a quiet channel alive, and a peer that
// stops answering them closes it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/http_server.h"

namespace gantry::net {

class WebSocket : public std::enable_shared_from_this<WebSocket> {
 public:
  using MessageHandler = std::function<void(std::string message)>;
  using CloseHandler = std::function<void(std::string reason)>;
  using Opened = std::function<void(std::string error, std::shared_ptr<WebSocket>)>;

  // Completes the handshake of an upgrade request that `stream` carried.
  static void accept(boost::beast::tcp_stream stream, HttpRequest request, Opened opened,
                     std::chrono::seconds idle_timeout);

  // Connects to ws://host:port<target>, sending `headers` with the handshake.
  static void connect(boost::asio::any_io_executor executor, std::string host, std::string port,
                      std::string target, std::vector<std::pair<std::string, std::string>> headers,
                      Opened opened, std::chrono::seconds idle_timeout);

  // Starts delivering messages; `on_close` is called once when the channel ends.
  void start(MessageHandler on_message, CloseHandler on_close);
  void send(std::string message);
  void close();

  struct Impl;
  explicit WebSocket(std::unique_ptr<Impl> impl);
  ~WebSocket();

 private:
  void read_next();
  void write_next();

  std::unique_ptr<Impl> impl_;
};

}  // namespace gantry::net
