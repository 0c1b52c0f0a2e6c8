#include "ecs_load_driver.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <vector>

#include "auth/sigv4.h"

namespace gantry::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// DescribeTasks of 100 tasks answers about 100 KiB: this only stops a
// runaway body.
constexpr uint64_t kMaxBody = 64 << 20;

// The same request agent::EcsClient::call sends.
net::HttpRequest signed_request(const agent::EcsEndpoint& endpoint, const std::string& host,
                                const EcsCall& call) {
  auth::HttpRequestView view;
  view.method = "POST";
  view.target = "/";
  view.body = call.body;
  view.headers = {{"Host", host},
                  {"Content-Type", "application/x-amz-json-1.1"},
                  {"X-Amz-Target", std::string(call.target_prefix) + call.operation}};
  auth::sign_sigv4(view, endpoint.key, endpoint.region, std::string(call.signing_name),
                   std::chrono::system_clock::now());
  net::HttpRequest request{http::verb::post, "/", 11};
  for (const auto& [name, value] : view.headers) request.set(name, value);
  request.body() = std::move(view.body);
  request.keep_alive(true);
  request.prepare_payload();
  return request;
}

// The io_context's own executor, not the type-erased any_io_executor of
// beast::tcp_stream, whose copies cost a few per cent of the client's CPU.
using Stream = beast::basic_stream<tcp, asio::io_context::executor_type>;

struct Connection {
  explicit Connection(asio::io_context& io) : stream(io.get_executor()) {}
  Stream stream;
  beast::flat_buffer buffer;
  EcsCall call;
  net::HttpRequest request;
  std::optional<http::response_parser<http::string_body>> parser;
  Clock::time_point sent;
};

class Driver {
 public:
  Driver(const agent::EcsEndpoint& endpoint, const DriveLimits& limits, const NextCall& next,
         const OnAnswer& answered)
      : endpoint_(endpoint), limits_(limits), next_(next), answered_(answered), deadline_(io_) {}

  std::optional<std::string> run() {
    auto [host, port] = net::split_http_url(endpoint_.url);
    host_header_ = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
    beast::error_code ec;
    tcp::resolver::results_type addresses = tcp::resolver(io_).resolve(host, port, ec);
    if (ec) return "cannot resolve " + host + ": " + ec.message();

    for (int i = 0; i < limits_.connections; ++i) {
      auto& c = *connections_.emplace_back(std::make_unique<Connection>(io_));
      c.stream.expires_after(limits_.call_timeout);
      c.stream.async_connect(addresses, [this, &c](beast::error_code e, const tcp::endpoint&) {
        if (e) return fail("cannot connect to " + endpoint_.url + ": " + e.message());
        c.stream.socket().set_option(tcp::no_delay(true));
        send_next(c);
      });
    }
    active_ = limits_.connections;
    deadline_.expires_at(limits_.deadline);
    deadline_.async_wait([this](beast::error_code e) {
      if (!e) fail("the deadline passed with calls unanswered");
    });
    io_.run();
    return error_;
  }

 private:
  void send_next(Connection& c) {
    if (error_) return;
    std::optional<EcsCall> call = next_();
    if (!call) {
      beast::error_code ignored;
      c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      c.stream.close();
      if (--active_ == 0) deadline_.cancel();
      return;
    }
    c.call = std::move(*call);
    c.request = signed_request(endpoint_, host_header_, c.call);
    c.stream.expires_after(limits_.call_timeout);
    c.sent = Clock::now();
    http::async_write(c.stream, c.request, [this, &c](beast::error_code e, size_t) {
      if (e) return fail(c.call.operation + " could not be sent: " + e.message());
      receive(c);
    });
  }

  void receive(Connection& c) {
    c.parser.emplace();
    c.parser->body_limit(kMaxBody);
    http::async_read(c.stream, c.buffer, *c.parser, [this, &c](beast::error_code e, size_t) {
      if (e) return fail(c.call.operation + " got no answer: " + e.message());
      auto latency = Clock::now() - c.sent;
      net::HttpResponse response = c.parser->release();
      answered_(c.call, response, latency);
      // A call is never resent (RunTask is not idempotent), so a closed
      // connection ends the drive rather than being reopened.
      if (!response.keep_alive()) return fail("the server closed a connection");
      send_next(c);
    });
  }

  // Stops everything: the pending operations complete with operation_aborted.
  void fail(std::string error) {
    if (error_) return;
    error_ = std::move(error);
    deadline_.cancel();
    for (auto& c : connections_) c->stream.close();
  }

  const agent::EcsEndpoint& endpoint_;
  const DriveLimits& limits_;
  const NextCall& next_;
  const OnAnswer& answered_;
  asio::io_context io_{1};
  asio::steady_timer deadline_;
  std::string host_header_;
  std::vector<std::unique_ptr<Connection>> connections_;
  int active_ = 0;
  std::optional<std::string> error_;
};

}  // namespace

std::optional<std::string> drive(const agent::EcsEndpoint& endpoint, const DriveLimits& limits,
                                 const NextCall& next, const OnAnswer& answered) {
  return Driver(endpoint, limits, next, answered).run();
}

}  // namespace gantry::bench
