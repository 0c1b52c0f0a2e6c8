#pragma once
// A small HTTP/1.1 server on Boost.Beast: keep-alive, a request body limit,
// idle timeouts, and handlers that may answer later from any thread (the
// single writer answers a mutation only once it is durable).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace gantry::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Called exactly once per request, from any thread.
using Responder = std::function<void(HttpResponse)>;
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
