#include "net/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace gantry::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpClient::HttpClient(std::string host, std::string port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(std::move(port)), timeout_(timeout) {}

void HttpClient::connect() {
  stream_.reset();
  tcp::resolver resolver(io_);
  beast::error_code ec;
  auto results = resolver.resolve(host_, port_, ec);
  if (ec) throw std::runtime_error("cannot resolve " + host_ + ": " + ec.message());
  stream_.emplace(io_);
  stream_->expires_after(timeout_);
  stream_->async_connect(results, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
  io_.restart();
  io_.run();
  if (ec) {
    stream_.reset();
    throw std::runtime_error("cannot connect to " + host_ + ":" + port_ + ": " + ec.message());
  }
  stream_->socket().set_option(tcp::no_delay(true));
}

HttpResponse HttpClient::exchange(const HttpRequest& request) {
  beast::error_code ec;
  stream_->expires_after(timeout_);
  http::async_write(*stream_, request, [&ec](beast::error_code e, size_t) { ec = e; });
  io_.restart();
  io_.run();
  if (ec) throw beast::system_error(ec);
  beast::flat_buffer buffer;
  HttpResponse response;
  http::async_read(*stream_, buffer, response, [&ec](beast::error_code e, size_t) { ec = e; });
  io_.restart();
  io_.run();
  if (ec) throw beast::system_error(ec);
  if (!response.keep_alive()) stream_.reset();
  return response;
}

HttpResponse HttpClient::send(HttpRequest request) {
  if (request[http::field::host].empty()) request.set(http::field::host, host_header());
  request.keep_alive(true);
  request.prepare_payload();
  bool fresh = !stream_;
  if (fresh) connect();
  try {
    return exchange(request);
  } catch (const beast::system_error& error) {
    stream_.reset();
    // A kept-alive connection may have been closed by the server meanwhile.
    if (fresh || error.code() == beast::error::timeout) {
      throw std::runtime_error("HTTP request to " + host_ + ":" + port_ +
                               " failed: " + error.code().message());
    }
  }
  connect();
  try {
    return exchange(request);
  } catch (const beast::system_error& error) {
    stream_.reset();
    throw std::runtime_error("HTTP request to " + host_ + ":" + port_ +
                             " failed: " + error.code().message());
  }
}

std::string HttpClient::host_header() const {
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
