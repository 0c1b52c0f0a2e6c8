#include "net/http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <deque>
#include <mutex>
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
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return write(
          shared_->rejecter(http::status::payload_too_large,
                            "Request body exceeds the limit of " +
                                std::to_string(shared_->options.max_body_bytes) + " bytes."),
          false);
    }
    if (ec) {
      return write(
          shared_->rejecter(http::status::bad_request, "Malformed HTTP request: " + ec.message()),
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
    auto respond = [self = shared_from_this(), keep_alive, version](HttpResponse r) {
      asio::post(self->stream_.get_executor(),
                 [self, keep_alive, version, r = std::move(r)]() mutable {
                   r.version(version);
                   self->write(std::move(r), keep_alive);
                 });
    };
    auto stream = [self = shared_from_this(), keep_alive, version](HttpResponse head) {
      auto body = std::make_shared<ChunkedBody>(self, keep_alive);
      head.version(version);
      asio::post(self->stream_.get_executor(),
                 [body, head = std::move(head)]() mutable { body->start(std::move(head)); });
      return std::shared_ptr<ResponseStream>(body);
    };
    shared_->handler(std::move(request), Responder(std::move(respond), std::move(stream)));
  }

  // A streamed response's body: pieces queued from any thread, each batch
  // sent as one chunk on the session's strand.
  class ChunkedBody : public ResponseStream, public std::enable_shared_from_this<ChunkedBody> {
   public:
    ChunkedBody(std::shared_ptr<Session> session, bool keep_alive)
        : session_(std::move(session)), keep_alive_(keep_alive) {}

    bool write(std::string piece) override {
      std::lock_guard lock(mutex_);
      if (closed_ || finishing_) return false;
      queued_bytes_ += piece.size();
      queue_.push_back(std::move(piece));
      post_pump();
      return true;
    }

    void finish() override {
      std::lock_guard lock(mutex_);
      if (closed_ || finishing_) return;
      finishing_ = true;
      post_pump();
    }

    size_t queued_bytes() const override {
      std::lock_guard lock(mutex_);
      return queued_bytes_;
    }

    bool closed() const override {
      std::lock_guard lock(mutex_);
      return closed_;
    }

    void on_closed(std::function<void()> callback) override {
      std::lock_guard lock(mutex_);
      on_closed_ = std::move(callback);
    }

    // On the strand: the status line and headers, then whatever is queued.
    void start(HttpResponse head) {
      auto header =
          std::make_shared<http::response<http::empty_body>>(head.result(), head.version());
      for (const auto& field : head) header->set(field.name_string(), field.value());
      header->keep_alive(keep_alive_);
      header->chunked(true);
      auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
      auto& stream = session_->stream_;
      stream.expires_after(session_->shared_->options.idle_timeout);
      http::async_write_header(
          stream, *serializer,
          [self = shared_from_this(), header, serializer](beast::error_code ec, size_t) {
            self->session_->stream_.expires_never();
            if (ec) return self->end(false);
            {
              std::lock_guard lock(self->mutex_);
              self->started_ = true;
            }
            self->pump();
          });
    }

   private:
    // Under mutex_.
    void post_pump() {
      if (!started_ || pumping_) return;
      pumping_ = true;
      asio::post(session_->stream_.get_executor(), [self = shared_from_this()] { self->pump(); });
    }

    void pump() {
      auto chunk = std::make_shared<std::string>();
      bool last = false;
      {
        std::lock_guard lock(mutex_);
        pumping_ = true;
        if (closed_) return;
        for (auto& piece : queue_) *chunk += piece;
        queue_.clear();
        queued_bytes_ = 0;
        last = chunk->empty() && finishing_;
        if (chunk->empty() && !last) {
          pumping_ = false;
          return;
        }
      }
      auto& stream = session_->stream_;
      stream.expires_after(session_->shared_->options.idle_timeout);
      auto sent = [self = shared_from_this(), chunk, last](beast::error_code ec, size_t) {
        self->session_->stream_.expires_never();
        if (ec || last) return self->end(!ec);
        self->pump();
      };
      if (last) {
        asio::async_write(stream, http::make_chunk_last(), std::move(sent));
      } else {
        asio::async_write(stream, http::make_chunk(asio::buffer(*chunk)), std::move(sent));
      }
    }

    // On the strand, once: the body ended (`clean`) or the connection failed.
    void end(bool clean) {
      std::function<void()> callback;
      {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        queue_.clear();
        queued_bytes_ = 0;
        callback = std::move(on_closed_);
      }
      if (callback) callback();
      auto session = std::move(session_);
      if (clean && keep_alive_) return session->read();
      session->close();
    }

    std::shared_ptr<Session> session_;
    const bool keep_alive_;
    mutable std::mutex mutex_;
    std::deque<std::string> queue_;
    size_t queued_bytes_ = 0;
    bool started_ = false;
    bool pumping_ = false;  // a pump is posted or its write is in flight
    bool finishing_ = false;
    bool closed_ = false;
    std::function<void()> on_closed_;
  };

  void write(HttpResponse response, bool keep_alive) {
    response.keep_alive(keep_alive);
    response.prepare_payload();
    auto shared = std::make_shared<HttpResponse>(std::move(response));
    stream_.expires_after(shared_->options.idle_timeout);
    http::async_write(
        stream_, *shared,
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
                               std::make_shared<Session>(std::move(socket), self->shared_)->start();
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
