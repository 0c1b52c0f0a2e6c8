#pragma once
// A blocking HTTP/1.1 client over one keep-alive connection, for callers
// that have a thread of their own (the agent's reporter, tools). Every
// request is bounded by a timeout; a connection the server closed while
// idle is reopened once.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "net/http_server.h"

namespace gantry::net {

class HttpClient {
 public:
  HttpClient(std::string host, std::string port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Throws std::runtime_error when the server cannot be reached or does not
  // answer in time.
  HttpResponse send(HttpRequest request);

  const std::string& host() const { return host_; }
  const std::string& port() const { return port_; }
  // "host:port" as the Host header carries it (IPv6 in brackets).
  std::string host_header() const;

 private:
  HttpResponse exchange(const HttpRequest& request);
  void connect();

  std::string host_;
  std::string port_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;
};

// Splits "http://host:port[/...]" into host and port (80 when absent).
std::pair<std::string, std::string> split_http_url(const std::string& url);

}  // namespace gantry::net
