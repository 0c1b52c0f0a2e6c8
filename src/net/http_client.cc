#include "net/http_client.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <stdexcept>

namespace gantry::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr size_t kMaxErrorBody = 64 * 1024;
}  // namespace

HttpClient::HttpClient(std::string host, std::string port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(std::move(port)), timeout_(timeout) {}

HttpClient::HttpClient(UnixSocketPath socket, std::chrono::milliseconds timeout)
    : host_("localhost"), unix_path_(std::move(socket.path)), timeout_(timeout) {}

std::string HttpClient::describe() const {
  return unix_path_.empty() ? host_ + ":" + port_ : "unix:" + unix_path_;
}

void HttpClient::connect() {
  close();
  beast::error_code ec;
  if (unix_path_.empty()) {
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(host_, port_, ec);
    if (ec) throw std::runtime_error("cannot resolve " + host_ + ": " + ec.message());
    auto& stream = stream_.emplace<beast::tcp_stream>(io_);
    stream.expires_after(timeout_);
    stream.async_connect(results, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
  } else {
    auto& stream = stream_.emplace<UnixStream>(io_);
    stream.expires_after(timeout_);
    stream.async_connect(asio::local::stream_protocol::endpoint(unix_path_),
                         [&ec](beast::error_code e) { ec = e; });
  }
  io_.restart();
  io_.run();
  if (ec) {
    close();
    throw std::runtime_error("cannot connect to " + describe() + ": " + ec.message());
  }
  std::visit(
      [this](auto& stream) {
        if constexpr (std::is_same_v<std::decay_t<decltype(stream)>, beast::tcp_stream>) {
          stream.socket().set_option(tcp::no_delay(true));
        }
        if constexpr (!std::is_same_v<std::decay_t<decltype(stream)>, std::monostate>) {
          std::lock_guard lock(fd_mutex_);
          native_fd_ = stream.socket().native_handle();
          // An interrupt() that came before the socket existed takes effect now.
          if (interrupted_) ::shutdown(native_fd_, SHUT_RDWR);
        }
      },
      stream_);
}

void HttpClient::close() {
  {
    std::lock_guard lock(fd_mutex_);
    native_fd_ = -1;
  }
  stream_.emplace<std::monostate>();
}

void HttpClient::interrupt() {
  std::lock_guard lock(fd_mutex_);
  interrupted_ = true;
  if (native_fd_ >= 0) ::shutdown(native_fd_, SHUT_RDWR);
}

void HttpClient::prepare(HttpRequest& request) const {
  if (request[http::field::host].empty()) request.set(http::field::host, host_header());
  request.keep_alive(true);
  request.prepare_payload();
}

HttpResponse HttpClient::exchange(const HttpRequest& request) {
  beast::error_code ec;
  HttpResponse response;
  std::visit(
      [&](auto& stream) {
        if constexpr (std::is_same_v<std::decay_t<decltype(stream)>, std::monostate>) {
          ec = asio::error::not_connected;
        } else {
          stream.expires_after(timeout_);
          http::async_write(stream, request, [&ec](beast::error_code e, size_t) { ec = e; });
          io_.restart();
          io_.run();
          if (ec) return;
          beast::flat_buffer buffer;
          http::response_parser<http::string_body> parser;
          parser.body_limit(boost::none);  // the timeout bounds what a peer can send
          http::async_read(stream, buffer, parser, [&ec](beast::error_code e, size_t) { ec = e; });
          io_.restart();
          io_.run();
          if (!ec) response = parser.release();
        }
      },
      stream_);
  if (ec) throw beast::system_error(ec);
  if (!response.keep_alive()) close();
  return response;
}

HttpResponse HttpClient::send(HttpRequest request) {
  prepare(request);
  bool fresh = std::holds_alternative<std::monostate>(stream_);
  if (fresh) connect();
  try {
    return exchange(request);
  } catch (const beast::system_error& error) {
    close();
    // A kept-alive connection may have been closed by the server meanwhile.
    if (fresh || error.code() == beast::error::timeout) {
      throw std::runtime_error("HTTP request to " + describe() +
                               " failed: " + error.code().message());
    }
  }
  connect();
  try {
    return exchange(request);
  } catch (const beast::system_error& error) {
    close();
    throw std::runtime_error("HTTP request to " + describe() +
                             " failed: " + error.code().message());
  }
}

HttpResponse HttpClient::stream(HttpRequest request, const OnData& on_data) {
  prepare(request);
  connect();
  beast::error_code ec;
  HttpResponse head;
  std::visit(
      [&](auto& stream) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(stream)>, std::monostate>) {
          auto run = [&](auto&& start) {
            start();
            io_.restart();
            io_.run();
          };
          stream.expires_after(timeout_);
          run([&] {
            http::async_write(stream, request, [&ec](beast::error_code e, size_t) { ec = e; });
          });
          if (ec) return;
          beast::flat_buffer buffer;
          http::response_parser<http::buffer_body> parser;
          parser.body_limit(boost::none);
          run([&] {
            http::async_read_header(stream, buffer, parser,
                                    [&ec](beast::error_code e, size_t) { ec = e; });
          });
          if (ec) return;
          for (const auto& field : parser.get()) head.set(field.name_string(), field.value());
          head.result(parser.get().result());
          head.version(parser.get().version());
          // An error's body is an explanation, not the stream: it goes to head.
          const bool failed = head.result_int() >= 300;
          if (!failed) stream.expires_never();
          char piece[16 * 1024];
          while (!parser.is_done()) {
            parser.get().body().data = piece;
            parser.get().body().size = sizeof piece;
            // read_some: an idle stream's last event must not wait for more.
            run([&] {
              http::async_read_some(stream, buffer, parser,
                                    [&ec](beast::error_code e, size_t) { ec = e; });
            });
            if (ec == http::error::need_buffer) ec = {};
            if (ec) return;
            const size_t got = sizeof piece - parser.get().body().size;
            if (got == 0) continue;
            if (failed) {
              head.body().append(piece, std::min(got, kMaxErrorBody - head.body().size()));
              if (head.body().size() >= kMaxErrorBody) return;
            } else if (!on_data(std::string_view(piece, got))) {
              return;
            }
          }
        }
      },
      stream_);
  close();
  // end_of_stream too: the connection closed (or was interrupted) before any
  // answer came, which must not pass for a 200.
  if (ec) {
    throw std::runtime_error("HTTP stream from " + describe() + " failed: " + ec.message());
  }
  return head;
}

std::string HttpClient::host_header() const {
  if (!unix_path_.empty()) return host_;
  bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + port_;
}

std::pair<std::string, std::string> split_http_url(const std::string& url) {
  std::string rest = url;
  if (rest.starts_with("http://")) rest = rest.substr(7);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  if (rest.starts_with("[")) {
    auto close = rest.find(']');
    if (close == std::string::npos) throw std::runtime_error("malformed URL " + url);
    std::string host = rest.substr(1, close - 1);
    std::string port = close + 1 < rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2) : "80";
    return {host, port};
  }
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return {rest, "80"};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

}  // namespace gantry::net
