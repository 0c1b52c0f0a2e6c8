#include "net/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <optional>

namespace gantry::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// What every connection needs, shared so that a session outlives the server
// object safely.
struct Shared {
  HttpHandler handler;
  HttpRejecter rejecter;
  HttpServerOptions options;
  UpgradeHandler upgrade;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(shared_->options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return write(shared_->rejecter(http::status::payload_too_large,
                             "Request body exceeds the limit of " +
                                 std::to_string(shared_->options.max_body_bytes) + " bytes."),
                   false);
    }
    if (ec) {
      return write(shared_->rejecter(http::status::bad_request, "Malformed HTTP request: " + ec.message()),
                   false);
    }
    HttpRequest request = parser_->release();
    if (shared_->upgrade && beast::websocket::is_upgrade(request)) {
      stream_.expires_never();
      return shared_->upgrade(std::move(request), std::move(stream_));
    }
    const bool keep_alive = request.keep_alive();
    const unsigned version = request.version();
    // The handler may answer from another thread: hop back onto this
    // connection's strand before touching the stream.
    shared_->handler(std::move(request), [self = shared_from_this(), keep_alive, version](HttpResponse r) {
      asio::post(self->stream_.get_executor(),
                 [self, keep_alive, version, r = std::move(r)]() mutable {
                   r.version(version);
                   self->write(std::move(r), keep_alive);
                 });
    });
  }

  void write(HttpResponse response, bool keep_alive) {
    response.keep_alive(keep_alive);
    response.prepare_payload();
    auto shared = std::make_shared<HttpResponse>(std::move(response));
    stream_.expires_after(shared_->options.idle_timeout);
    http::async_write(stream_, *shared,
                      [self = shared_from_this(), shared, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const Shared> shared_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpHandler handler, HttpRejecter rejecter, HttpServerOptions options,
       UpgradeHandler upgrade)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        shared_(std::make_shared<const Shared>(
            Shared{std::move(handler), std::move(rejecter), options, std::move(upgrade)})) {}

  void accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted) return;
                             if (!ec) {
                               socket.set_option(tcp::no_delay(true), ec);
                               std::make_shared<Session>(std::move(socket), self->shared_)
                                   ->start();
                             } else {
                               spdlog::warn("accept failed: {}", ec.message());
                             }
                             self->accept();
                           });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<const Shared> shared_;
};

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& endpoint, HttpHandler handler,
                       HttpRejecter rejecter, HttpServerOptions options, UpgradeHandler upgrade)
    : impl_(std::make_shared<Impl>(io, std::move(handler), std::move(rejecter), options,
                                   std::move(upgrade))) {
  auto& acceptor = impl_->acceptor_;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  impl_->accept();
}

HttpServer::~HttpServer() { stop(); }

tcp::endpoint HttpServer::local_endpoint() const { return impl_->acceptor_.local_endpoint(); }

void HttpServer::stop() {
  asio::post(impl_->acceptor_.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor_.close(ignored);
  });
}

}  // namespace gantry::net
