#pragma once
// A small HTTP/1.1 server on Boost.Beast: keep-alive, a request body limit,
// idle timeouts, and handlers that may answer later from any thread (the
// single writer answers a mutation only once it is durable).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <concepts>
#include <functional>
#include <memory>

#include "net/response_stream.h"

namespace gantry::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Answers a request exactly once, from any thread: with a whole response,
// or (where the connection allows it) with a stream that starts with
// `head`'s status and headers and whose body follows in chunks.
class Responder {
 public:
  using Respond = std::function<void(HttpResponse)>;
  using StartStream = std::function<std::shared_ptr<ResponseStream>(HttpResponse head)>;

  Responder() = default;
  template <class F>
  requires std::invocable<F&, HttpResponse> &&
      (!std::same_as<std::decay_t<F>, Responder>)Responder(F respond)
      : respond_(std::move(respond)) {}  // NOLINT: a plain callback answers
  Responder(Respond respond, StartStream stream)
      : respond_(std::move(respond)), stream_(std::move(stream)) {}

  void operator()(HttpResponse response) const { respond_(std::move(response)); }
  // Null when this responder cannot stream; then answer with operator().
  std::shared_ptr<ResponseStream> stream(HttpResponse head) const {
    return stream_ ? stream_(std::move(head)) : nullptr;
  }

 private:
  Respond respond_;
  StartStream stream_;
};
using HttpHandler = std::function<void(HttpRequest&&, Responder)>;

// Called when a request is refused before it reaches the handler (a body
// over the limit, a malformed request line); lets the API layer shape the
// error as its protocol wants.
using HttpRejecter = std::function<HttpResponse(boost::beast::http::status, std::string reason)>;

// Takes over a connection whose request asks for a WebSocket upgrade.
using UpgradeHandler =
    std::function<void(HttpRequest&& request, boost::beast::tcp_stream&& stream)>;

struct HttpServerOptions {
  size_t max_body_bytes = 1 << 20;
  std::chrono::seconds idle_timeout{75};
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
             HttpHandler handler, HttpRejecter rejecter, HttpServerOptions options = {},
             UpgradeHandler upgrade = {});
  ~HttpServer();

  // The bound endpoint (port 0 in the request becomes the real port here).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace gantry::net
