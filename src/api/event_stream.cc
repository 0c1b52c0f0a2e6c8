#include "api/event_stream.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "core/error.h"
#include "ecs/ecs_events.h"

namespace gantry::api {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

constexpr size_t kChangesPerRead = 1024;
// A client this far behind is not reading: the stream ends rather than
// buffer without bound.
constexpr size_t kMaxQueuedBytes = 16 << 20;

core::ApiError wrong_type(std::string_view member, std::string_view expected) {
  return {"SerializationException",
          "Expected " + std::string(expected) + " for " + std::string(member) + "."};
}

// One client's stream: woken by the log, it sends what it has not sent.
// It keeps itself alive through `out`'s close callback until the stream
// ends (the client goes, or an unfollowed stream has sent everything).
class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  EventStream(asio::io_context& io, const state::EventLog& log, const EventStreamRequest& request,
              int64_t cursor, std::shared_ptr<net::ResponseStream> out)
      : log_(log),
        request_(request),
        cursor_(cursor),
        end_(request.follow ? std::nullopt : std::optional(log.last_revision())),
        out_(std::move(out)),
        strand_(asio::make_strand(io)),
        heartbeat_(strand_) {}

  void start() {
    out_->on_closed(
        [self = shared_from_this()] { asio::post(self->strand_, [self] { self->stop(); }); });
    std::weak_ptr<EventStream> weak = weak_from_this();
    subscription_ = log_.subscribe([weak, strand = strand_] {
      asio::post(strand, [weak] {
        if (auto self = weak.lock()) self->drain();
      });
    });
    asio::post(strand_, [self = shared_from_this()] { self->drain(); });
    if (request_.follow) arm_heartbeat();
  }

 private:
  void drain() {
    if (stopped_) return;
    state::LogRead read = log_.read_after(cursor_, kChangesPerRead);
    if (read.lost) {
      return fail("The stream fell behind the event log and lost events after revision " +
                  std::to_string(cursor_) +
                  "; read the current state and stream again from a later revision.");
    }
    std::string lines;
    for (const auto& change : read.changes) {
      if (end_ && change.revision > *end_) break;
      for (auto& event : ecs::ecs_events(change)) {
        if (request_.pattern && !request_.pattern->matches(event)) continue;
        lines += json::serialize(event);
        lines += '\n';
      }
    }
    cursor_ = end_ ? std::min(read.last_revision, *end_) : read.last_revision;
    if (!lines.empty() && !out_->write(std::move(lines))) return stop();
    if (end_ && cursor_ >= *end_) return out_->finish();
    if (out_->queued_bytes() > kMaxQueuedBytes) {
      return fail("The client is not reading the stream; it was ended after revision " +
                  std::to_string(cursor_) + ".");
    }
    if (read.changes.size() >= kChangesPerRead) {
      // More to read: yield to other work on the strand, then go on.
      asio::post(strand_, [self = shared_from_this()] { self->drain(); });
    }
  }

  void arm_heartbeat() {
    heartbeat_.expires_after(request_.heartbeat);
    heartbeat_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_) return;
      if (!self->out_->write("{}\n")) return self->stop();
      self->arm_heartbeat();
    });
  }

  // The last line says why the stream ends, in the API's error shape.
  void fail(const std::string& message) {
    spdlog::warn("event stream: {}", message);
    out_->write(json::serialize(json::object{{"__type", "ServerException"}, {"message", message}}) +
                "\n");
    out_->finish();
  }

  void stop() {
    stopped_ = true;
    subscription_.reset();
    heartbeat_.cancel();
  }

  const state::EventLog& log_;
  const EventStreamRequest request_;
  int64_t cursor_;
  const std::optional<int64_t> end_;  // an unfollowed stream's last revision
  std::shared_ptr<net::ResponseStream> out_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer heartbeat_;
  state::EventLog::Subscription subscription_;
  bool stopped_ = false;
};

}  // namespace

EventStreamRequest parse_event_stream_request(const json::object& body) {
  EventStreamRequest request;
  for (const auto& member : body) {
    const json::value& value = member.value();
    if (member.key() == "follow") {
      if (!value.is_bool()) throw wrong_type("follow", "a boolean");
      request.follow = value.get_bool();
    } else if (member.key() == "fromRevision") {
      if (!value.is_int64() && !value.is_uint64()) throw wrong_type("fromRevision", "an integer");
      if (value.is_uint64() || value.get_int64() < 0) {
        throw core::invalid_parameter("fromRevision must be between 0 and 9223372036854775807.");
      }
      request.from_revision = value.get_int64();
    } else if (member.key() == "eventPattern") {
      if (!value.is_string()) throw wrong_type("eventPattern", "a string");
      request.pattern = model::EventPattern::compile(value.get_string());
    } else if (member.key() == "heartbeatSeconds") {
      if (!value.is_int64()) throw wrong_type("heartbeatSeconds", "an integer");
      int64_t seconds = value.get_int64();
      if (seconds < 1 || seconds > 3600) {
        throw core::invalid_parameter("heartbeatSeconds must be between 1 and 3600, got " +
                                      std::to_string(seconds) + ".");
      }
      request.heartbeat = std::chrono::seconds(seconds);
    } else {
      throw core::invalid_parameter(
          "Unknown parameter in input: \"" + std::string(member.key()) +
          "\", must be one of: follow, fromRevision, eventPattern, heartbeatSeconds");
    }
  }
  return request;
}

int64_t first_revision(const state::EventLog& log, const EventStreamRequest& request) {
  const int64_t oldest = log.oldest_readable();
  const int64_t latest = log.last_revision();
  if (!request.from_revision) return request.follow ? latest : oldest;
  const int64_t from = *request.from_revision;
  if (from < oldest) {
    throw core::invalid_parameter(
        "fromRevision " + std::to_string(from) +
        " is older than the event log keeps: it holds the changes after revision " +
        std::to_string(oldest) + ". Read the current state, then stream from revision " +
        std::to_string(latest) + ".");
  }
  if (from > latest) {
    throw core::invalid_parameter("fromRevision " + std::to_string(from) +
                                  " is ahead of the store, whose latest revision is " +
                                  std::to_string(latest) + ".");
  }
  return from;
}

void start_event_stream(asio::io_context& io, const state::EventLog& log,
                        const EventStreamRequest& request, int64_t after,
                        std::shared_ptr<net::ResponseStream> out) {
  std::make_shared<EventStream>(io, log, request, after, std::move(out))->start();
}

void register_event_stream_handlers(Router& router, const state::EventLog& log,
                                    asio::io_context& io) {
  router.add_extension("StreamEvents", [&log, &io](RequestContext& context, Reply reply) {
    try {
      EventStreamRequest request = parse_event_stream_request(context.body);
      int64_t after = first_revision(log, request);  // refused before the stream starts
      auto out = context.start_stream ? context.start_stream("application/x-ndjson") : nullptr;
      if (!out) {
        throw core::invalid_parameter("StreamEvents needs an HTTP/1.1 connection that can stream.");
      }
      start_event_stream(io, log, request, after, std::move(out));
    } catch (const core::ApiError& error) {
      reply(error);
    }
  });
}

}  // namespace gantry::api
