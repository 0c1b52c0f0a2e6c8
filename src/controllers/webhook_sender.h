#pragma once
// Delivers messages to one operator's webhook (an HTTP POST of JSON), in the
// order they were queued, on a thread of its own: a slow or dead endpoint
// holds back neither the caller nor the senders of other URLs. A message is
// delivered when the endpoint answers 2xx; anything else is retried after a
// capped exponential back-off on the injected timers (so that tests run on
// fake time), then dropped with a warning. The sender keeps nothing across
// restarts; a message's on_delivered lets its caller record what arrived.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/timer.h"
#include "net/http_client.h"

namespace gantry::controllers {

// An http:// URL, split as a client needs it.
struct WebhookUrl {
  std::string url;  // as the operator wrote it
  std::string host;
  std::string port;    // "80" when the URL names none
  std::string target;  // path and query, "/" at least
};

// Throws std::invalid_argument naming `url` when it is not
// http://host[:port][/path][?query] (https is refused: the client speaks
// plain HTTP only).
WebhookUrl parse_webhook_url(std::string_view url);

struct WebhookOptions {
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(1)};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(60)};
  int max_attempts = 8;  // per message, the first one included
  size_t max_queued = 10000;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // per attempt
};

// The wait after a message's `failures`-th failed attempt (1, 2, ...):
// backoff_initial doubled each time, capped at backoff_max.
std::chrono::milliseconds webhook_backoff(const WebhookOptions& options, int failures);

struct WebhookMessage {
  std::string label;  // what the warnings call it, e.g. "job prod/abc event 3"
  std::string body;   // JSON
  // Called on the sender's thread once the endpoint answered 2xx.
  std::function<void()> on_delivered;
};

class WebhookSender {
 public:
  struct Stats {
    uint64_t attempts = 0;
    uint64_t delivered = 0;
    uint64_t dropped = 0;  // given up after max_attempts, or pushed out of a full queue
  };

  // Starts the thread. `timers` outlives the sender; its callbacks may run
  // on any thread (they only wake the sender's).
  WebhookSender(WebhookUrl url, core::TimerSource& timers, WebhookOptions options = {});
  ~WebhookSender();  // stop()
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Never blocks on the network. A full queue drops its oldest message.
  void enqueue(WebhookMessage message);
  // Interrupts an attempt in flight, joins the thread and drops what is
  // still queued. Idempotent.
  void stop();

  const WebhookUrl& url() const { return url_; }
  Stats stats() const;

 private:
  struct InFlight {
    WebhookMessage message;
    int failures = 0;
  };

  void run();
  // Empty when the endpoint answered 2xx, else why not.
  std::string post(const std::string& body);
  void retry_due();

  const WebhookUrl url_;
  const WebhookOptions options_;
  net::HttpClient client_;  // used by the thread alone, but interrupt()
  std::unique_ptr<core::Timer> retry_timer_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<WebhookMessage> queue_;
  std::optional<InFlight> current_;  // taken off the queue, not yet delivered or dropped
  bool backing_off_ = false;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;  // last: it starts once the rest is built
};

}  // namespace gantry::controllers
