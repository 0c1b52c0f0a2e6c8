#pragma once
// A webhook receiver on 127.0.0.1 (a real net::HttpServer on its own
// thread) that records what it was sent and answers as the test says:
// with a status, or later (held) to keep a sender's attempt in flight.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"

namespace gantry::controllers::testing {

struct Received {
  std::string method;
  std::string target;
  std::string content_type;
  std::string body;
};

class WebhookTestServer {
 public:
  // What to answer the n-th request (0-based); nullopt: hold it until release().
  using Answer = std::function<std::optional<unsigned>(size_t n)>;

  explicit WebhookTestServer(Answer answer = [](size_t) { return 200u; })
      : answer_(std::move(answer)),
        server_(
            io_, {boost::asio::ip::make_address("127.0.0.1"), 0},
            [this](net::HttpRequest&& request, net::Responder respond) {
              handle(std::move(request), std::move(respond));
            },
            [](auto status, std::string) {
              net::HttpResponse response{status, 11};
              response.prepare_payload();
              return response;
            }) {
    thread_ = std::thread([this] { io_.run(); });
  }

  ~WebhookTestServer() {
    release();
    server_.stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(server_.local_endpoint().port()) + path;
  }

  // Waits (bounded) until `n` requests have arrived.
  bool wait_for(size_t n, std::chrono::seconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, limit, [&] { return received_.size() >= n; });
  }

  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  // Answers the requests held so far with 200.
  void release() {
    std::vector<net::Responder> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& respond : held) respond(response(200));
  }

 private:
  static net::HttpResponse response(unsigned status) {
    net::HttpResponse r{static_cast<boost::beast::http::status>(status), 11};
    r.body() = "{}";
    r.prepare_payload();
    return r;
  }

  void handle(net::HttpRequest&& request, net::Responder respond) {
    std::optional<unsigned> status;
    {
      std::lock_guard lock(mutex_);
      status = answer_(received_.size());
      received_.push_back({std::string(request.method_string()), std::string(request.target()),
                           std::string(request[boost::beast::http::field::content_type]),
                           request.body()});
      if (!status) held_.push_back(respond);
      arrived_.notify_all();
    }
    if (status) respond(response(*status));
  }

  Answer answer_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Received> received_;
  std::vector<net::Responder> held_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  net::HttpServer server_;
  std::thread thread_;
};

}  // namespace gantry::controllers::testing
