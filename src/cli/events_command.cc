#include "cli/events_command.h"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "agent/ecs_client.h"
#include "core/clock.h"
#include "core/error.h"
#include "model/event_pattern.h"
#include "net/http_client.h"

namespace gantry::cli {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

// Bounds connecting and the answer's head; the body itself has no timeout.
constexpr std::chrono::seconds kTimeout{10};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool all_blank(std::string_view text) {
  for (char c : text) {
    if (!is_blank(c)) return false;
  }
  return true;
}

net::HttpRequest signed_request(const net::HttpClient& http_client, const ClientOptions& options,
                                std::string body) {
  return agent::signed_ecs_request(http_client.host_header(), "StreamEvents", std::move(body),
                                   client_signing_key(options.credentials_file), options.region,
                                   core::SystemClock().now());
}

// Ends a stream blocked in `http_client` when SIGINT or SIGTERM comes: a
// thread of its own waits for them while the caller's thread reads.
class InterruptOnSignal {
 public:
  explicit InterruptOnSignal(net::HttpClient& http_client) : signals_(io_, SIGINT, SIGTERM) {
    signals_.async_wait([this, &http_client](const boost::system::error_code& ec, int) {
      if (ec) return;
      signaled_ = true;
      http_client.interrupt();
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~InterruptOnSignal() {
    io_.stop();
    thread_.join();
  }
  InterruptOnSignal(const InterruptOnSignal&) = delete;
  InterruptOnSignal& operator=(const InterruptOnSignal&) = delete;

  bool signaled() const { return signaled_; }

 private:
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::atomic<bool> signaled_{false};
  std::thread thread_;
};

}  // namespace

bool NdjsonLines::feed(std::string_view piece, const OnLine& on_line) {
  while (!piece.empty()) {
    const size_t newline = piece.find('\n');
    std::string_view line = piece.substr(0, newline);
    if (partial_.size() + line.size() > kMaxLine) {
      throw std::runtime_error("the server sent a line longer than 16 MiB");
    }
    if (newline == std::string_view::npos) {
      partial_.append(piece);
      return true;
    }
    piece.remove_prefix(newline + 1);
    bool more;
    if (partial_.empty()) {
      more = emit(line, on_line);
    } else {
      partial_.append(line);
      std::string whole = std::exchange(partial_, {});
      more = emit(whole, on_line);
    }
    if (!more) return false;
  }
  return true;
}

bool NdjsonLines::finish(const OnLine& on_line) {
  if (partial_.empty()) return true;
  std::string whole = std::exchange(partial_, {});
  return emit(whole, on_line);
}

bool NdjsonLines::emit(std::string_view line, const OnLine& on_line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  return all_blank(line) || on_line(line);
}

bool is_heartbeat(std::string_view line) {
  std::string_view rest = line;
  auto skip_blanks = [&rest] {
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  };
  for (char expected : {'{', '}'}) {
    skip_blanks();
    if (rest.empty() || rest.front() != expected) return false;
    rest.remove_prefix(1);
  }
  return all_blank(rest);
}

std::string error_answer(unsigned status, std::string_view body) {
  json::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const json::object& error = parsed.get_object();
    const json::value* type = error.if_contains("__type");
    if (type && type->is_string()) {
      std::string_view name = type->get_string();
      // Some services qualify it ("com.amazonaws.ecs#ClientException").
      name = name.substr(name.find('#') == std::string_view::npos ? 0 : name.find('#') + 1);
      const json::value* message = error.if_contains("message");
      if (!message) message = error.if_contains("Message");
      return std::string(name) + ": " +
             (message && message->is_string() ? std::string(message->get_string()) : "");
    }
  }
  std::string out = "HTTP " + std::to_string(status);
  if (!all_blank(body)) out += ": " + std::string(body);
  return out;
}

std::string stream_events_body(const EventsCommandOptions& options) {
  json::object body{{"follow", options.follow}};
  if (options.pattern) {
    model::EventPattern::compile(*options.pattern);  // refused here rather than by the server
    body["eventPattern"] = *options.pattern;
  }
  if (options.from_revision) body["fromRevision"] = *options.from_revision;
  return json::serialize(body);
}

CLI::App* add_events_command(CLI::App& app, EventsCommandOptions& options) {
  auto* command = app.add_subcommand("events", "The control plane's events, one JSON line each");
  add_client_options(*command, options.client);
  command->add_flag("-f,--follow", options.follow,
                    "Keep printing new events until interrupted (Ctrl-C)");
  command->add_option_function<std::string>(
      "--pattern", [&options](const std::string& pattern) { options.pattern = pattern; },
      "Only events that this EventBridge event pattern (JSON) matches");
  command
      ->add_option_function<uint64_t>(
          "--from-revision",
          [&options](const uint64_t& revision) { options.from_revision = revision; },
          "Start with the events after this revision (a printed event's \"revision\")")
      ->check([](const std::string& text) {
        return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("a revision is a whole number, 0 or more");
      });
  return command;
}

int run_events(const EventsCommandOptions& options) {
  return run_reporting_errors("events", [&]() -> int {
    std::string body = stream_events_body(options);
    auto [host, port] = net::split_http_url(options.client.endpoint);
    net::HttpClient http_client(host, port, kTimeout);
    net::HttpRequest request = signed_request(http_client, options.client, std::move(body));
    InterruptOnSignal interrupt(http_client);

    NdjsonLines lines;
    auto print = [](std::string_view line) {
      if (is_heartbeat(line)) return true;
      std::cout << line << '\n' << std::flush;  // at once: a follower watches them come
      return static_cast<bool>(std::cout);
    };
    net::HttpResponse head;
    try {
      head = http_client.stream(std::move(request),
                                [&](std::string_view piece) { return lines.feed(piece, print); });
    } catch (const std::runtime_error&) {
      if (interrupt.signaled()) return 0;
      throw;
    }
    if (head.result() != http::status::ok) {
      std::cerr << "gantry events: " << error_answer(head.result_int(), head.body()) << std::endl;
      return 1;
    }
    lines.finish(print);
    return std::cout ? 0 : 1;
  });
}

}  // namespace gantry::cli
