#include "net/websocket.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>

namespace gantry::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WebSocket::Impl {
  explicit Impl(beast::tcp_stream stream) : ws(std::move(stream)) {}

  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  MessageHandler on_message;
  CloseHandler on_close;
  bool closed = false;
};

namespace {

websocket::stream_base::timeout timeouts(std::chrono::seconds idle) {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(10);
  t.idle_timeout = idle;
  t.keep_alive_pings = true;
  return t;
}

}  // namespace

WebSocket::WebSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocket::~WebSocket() = default;

void WebSocket::accept(beast::tcp_stream stream, HttpRequest request, Opened opened,
                       std::chrono::seconds idle_timeout) {
  stream.expires_never();
  auto socket = std::make_shared<WebSocket>(std::make_unique<Impl>(std::move(stream)));
  auto& ws = socket->impl_->ws;
  ws.set_option(timeouts(idle_timeout));
  auto held = std::make_shared<HttpRequest>(std::move(request));
  ws.async_accept(*held, [socket, held, opened = std::move(opened)](beast::error_code ec) {
    if (ec) return opened("websocket handshake failed: " + ec.message(), nullptr);
    opened({}, socket);
  });
}

void WebSocket::connect(asio::any_io_executor executor, std::string host, std::string port,
                        std::string target,
                        std::vector<std::pair<std::string, std::string>> headers, Opened opened,
                        std::chrono::seconds idle_timeout) {
  auto strand = asio::make_strand(executor);
  auto resolver = std::make_shared<tcp::resolver>(strand);
  auto socket = std::make_shared<WebSocket>(std::make_unique<Impl>(beast::tcp_stream(strand)));
  resolver->async_resolve(
      host, port,
      [=, opened = std::move(opened)](beast::error_code ec, tcp::resolver::results_type results) {
        (void)resolver;  // kept alive until it has answered
        if (ec) return opened("cannot resolve " + host + ": " + ec.message(), nullptr);
        auto& stream = beast::get_lowest_layer(socket->impl_->ws);
        stream.expires_after(std::chrono::seconds(10));
        stream.async_connect(results, [=](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return opened("cannot connect to " + host + ":" + port + ": " + ec.message(), nullptr);
          auto& ws = socket->impl_->ws;
          beast::get_lowest_layer(ws).expires_never();
          beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
          ws.set_option(timeouts(idle_timeout));
          ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
            for (const auto& [name, value] : headers) req.set(name, value);
          }));
          ws.async_handshake(host + ":" + port, target, [=](beast::error_code ec) {
            if (ec) return opened("websocket handshake failed: " + ec.message(), nullptr);
            opened({}, socket);
          });
        });
      });
}

void WebSocket::start(MessageHandler on_message, CloseHandler on_close) {
  asio::post(impl_->ws.get_executor(), [self = shared_from_this(), on_message = std::move(on_message),
                                        on_close = std::move(on_close)]() mutable {
    self->impl_->on_message = std::move(on_message);
    self->impl_->on_close = std::move(on_close);
    self->impl_->ws.text(true);
    self->read_next();
  });
}

void WebSocket::read_next() {
  impl_->ws.async_read(impl_->buffer, [self = shared_from_this()](beast::error_code ec, size_t) {
    Impl& impl = *self->impl_;
    if (ec) {
      if (!impl.closed) {
        impl.closed = true;
        impl.outbox.clear();
        auto on_close = std::move(impl.on_close);
        impl.on_message = nullptr;
        if (on_close) on_close(ec.message());
      }
      return;
    }
    std::string message = beast::buffers_to_string(impl.buffer.data());
    impl.buffer.consume(impl.buffer.size());
    if (impl.on_message) impl.on_message(std::move(message));
    self->read_next();
  });
}

void WebSocket::send(std::string message) {
  asio::post(impl_->ws.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
    Impl& impl = *self->impl_;
    if (impl.closed) return;
    impl.outbox.push_back(std::move(message));
    if (impl.outbox.size() == 1) self->write_next();  // else a write is in flight
  });
}

void WebSocket::write_next() {
  impl_->ws.async_write(asio::buffer(impl_->outbox.front()),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          Impl& impl = *self->impl_;
                          if (ec) return impl.outbox.clear();
                          impl.outbox.pop_front();
                          if (!impl.outbox.empty()) self->write_next();
                        });
}

void WebSocket::close() {
  asio::post(impl_->ws.get_executor(), [self = shared_from_this()] {
    Impl& impl = *self->impl_;
    if (impl.closed || !impl.ws.is_open()) return;
    impl.ws.async_close(websocket::close_code::normal, [self](beast::error_code) {});
  });
}

}  // namespace gantry::net
