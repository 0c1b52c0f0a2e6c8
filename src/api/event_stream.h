#pragma once
// StreamEvents, gantry's own operation on the ECS endpoint: the control
// plane's event log as ECS's EventBridge events, newline-delimited JSON
// over one chunked response (Nomad's /v1/event/stream is the model).
//   input:  {"follow"?: bool (true), "fromRevision"?: long,
//            "eventPattern"?: EventBridge pattern as a JSON string,
//            "heartbeatSeconds"?: 1..3600 (10)}
//   output: 200, application/x-ndjson; one event per line, each with its
//           "revision"; `{}` lines are heartbeats while following.
// From `fromRevision` the stream replays every kept event after it, so a
// client that resumes from the last revision it read misses nothing and
// sees nothing twice. Without it, a followed stream starts with the next
// change and an unfollowed one with the oldest kept. An unfollowed stream
// ends once it has sent what the log held when it began.
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <optional>

#include "api/router.h"
#include "model/event_pattern.h"
#include "net/response_stream.h"
#include "state/event_log.h"

namespace gantry::api {

struct EventStreamRequest {
  bool follow = true;
  std::optional<int64_t> from_revision;
  std::optional<model::EventPattern> pattern;
  std::chrono::seconds heartbeat{10};  // Nomad's event stream heartbeats every 10 s
};

// Throws SerializationException or InvalidParameterException naming the member.
EventStreamRequest parse_event_stream_request(const boost::json::object& body);

// The revision the stream sends the events after: InvalidParameterException
// when the log no longer keeps the changes after it, or it is ahead.
int64_t first_revision(const state::EventLog& log, const EventStreamRequest& request);

// Streams `log`'s events after revision `after` to `out`, as commits land,
// on `io`, until the client goes or (unfollowed) the log's end is sent.
void start_event_stream(boost::asio::io_context& io, const state::EventLog& log,
                        const EventStreamRequest& request, int64_t after,
                        std::shared_ptr<net::ResponseStream> out);

void register_event_stream_handlers(Router& router, const state::EventLog& log,
                                    boost::asio::io_context& io);

}  // namespace gantry::api
