#include "controllers/webhook_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

namespace gantry::controllers {

namespace http = boost::beast::http;

WebhookUrl parse_webhook_url(std::string_view url) {
  auto refuse = [&](std::string_view why) {
    return std::invalid_argument("webhook URL " + std::string(url) + ": " + std::string(why));
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) throw refuse("not a URL (want http://host:port/path)");
  if (parsed->scheme_id() == boost::urls::scheme::https) {
    throw refuse("https is not supported (want http://)");
  }
  if (parsed->scheme_id() != boost::urls::scheme::http) throw refuse("want http://host:port/path");
  if (parsed->has_userinfo()) throw refuse("credentials in the URL are not supported");
  WebhookUrl out{std::string(url), "", parsed->has_port() ? std::string(parsed->port()) : "80",
                 std::string(parsed->encoded_target())};
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    out.host = parsed->host_ipv6_address().to_string();
  } else {
    out.host = std::string(parsed->encoded_host());
  }
  if (out.host.empty()) throw refuse("no host");
  // Boost.URL takes any digits for a port; a TCP port is 1 to 65535.
  if (out.port.empty() || out.port.size() > 5 || std::stoi(out.port) < 1 ||
      std::stoi(out.port) > 65535) {
    throw refuse("bad port");
  }
  if (out.target.empty()) out.target = "/";
  return out;
}

std::chrono::milliseconds webhook_backoff(const WebhookOptions& options, int failures) {
  auto delay = options.backoff_initial;
  for (int i = 1; i < failures && delay < options.backoff_max; ++i) delay *= 2;
  return std::min(delay, options.backoff_max);
}

WebhookSender::WebhookSender(WebhookUrl url, core::TimerSource& timers, WebhookOptions options)
    : url_(std::move(url)), options_(options), client_(url_.host, url_.port, options_.timeout) {
  // Armed on the sender's thread; the callback touches only what the mutex
  // guards, so it may fire on whichever thread the source runs it.
  retry_timer_ = timers.make_timer([this] { retry_due(); });
  thread_ = std::thread([this] { run(); });
}

WebhookSender::~WebhookSender() { stop(); }

void WebhookSender::enqueue(WebhookMessage message) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (queue_.size() >= std::max<size_t>(options_.max_queued, 1)) {
    spdlog::warn("webhook {}: queue full, dropped {}", url_.url, queue_.front().label);
    queue_.pop_front();
    ++stats_.dropped;
  }
  queue_.push_back(std::move(message));
  changed_.notify_all();
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    changed_.notify_all();
  }
  client_.interrupt();  // an attempt in flight fails at once
  if (thread_.joinable()) thread_.join();
  retry_timer_->cancel();
}

WebhookSender::Stats WebhookSender::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void WebhookSender::retry_due() {
  std::lock_guard lock(mutex_);
  backing_off_ = false;
  changed_.notify_all();
}

void WebhookSender::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock,
                  [&] { return stopping_ || (!backing_off_ && (current_ || !queue_.empty())); });
    if (stopping_) return;
    if (!current_) {
      current_ = InFlight{std::move(queue_.front())};
      queue_.pop_front();
    }
    // The body is copied: an attempt runs without the lock.
    const std::string body = current_->message.body;
    ++stats_.attempts;
    lock.unlock();
    const std::string error = post(body);
    lock.lock();
    if (stopping_) return;
    if (error.empty()) {
      ++stats_.delivered;
      std::function<void()> delivered = std::move(current_->message.on_delivered);
      current_.reset();
      if (delivered) {
        lock.unlock();
        delivered();
        lock.lock();
        if (stopping_) return;
      }
      continue;
    }
    const int failures = ++current_->failures;
    if (failures >= options_.max_attempts) {
      spdlog::warn("webhook {}: dropped {} after {} attempts: {}", url_.url,
                   current_->message.label, failures, error);
      ++stats_.dropped;
      current_.reset();
      continue;
    }
    spdlog::debug("webhook {}: {} attempt {} failed: {}", url_.url, current_->message.label,
                  failures, error);
    backing_off_ = true;
    lock.unlock();
    // Outside the lock: a fake clock may fire the callback, which takes it.
    retry_timer_->arm(webhook_backoff(options_, failures));
    lock.lock();
  }
}

std::string WebhookSender::post(const std::string& body) {
  net::HttpRequest request{http::verb::post, url_.target, 11};
  request.set(http::field::content_type, "application/json");
  request.set(http::field::user_agent, "gantry");
  request.body() = body;
  try {
    const net::HttpResponse response = client_.send(std::move(request));
    const unsigned status = response.result_int();
    if (status >= 200 && status < 300) return {};
    return "HTTP " + std::to_string(status);
  } catch (const std::exception& error) {
    return error.what();
  }
}

}  // namespace gantry::controllers
