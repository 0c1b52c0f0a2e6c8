#include "logs/log_reads.h"

#include <algorithm>
#include <map>
#include <optional>

#include "core/json_members.h"
#include "logs/event_tokens.h"
#include "logs/filter_pattern.h"
#include "logs/group_cursor.h"
#include "logs/log_errors.h"
#include "logs/log_lookup.h"
#include "logs/put_log_events_rules.h"

namespace gantry::logs {

namespace json = boost::json;

namespace {

struct Window {
  int64_t start = 0;
  int64_t end = kNoTimeLimit;
};

Window window_of(const json::object& body, bool end_inclusive) {
  Window window;
  window.start = core::int_member(body, "startTime", 0);
  if (body.contains("endTime")) {
    int64_t end = core::int_member(body, "endTime", 0);
    window.end = end_inclusive && end < kNoTimeLimit ? end + 1 : end;
  }
  if (window.end < window.start) {
    throw core::invalid_parameter("endTime (" + std::to_string(window.end) +
                                  ") must not be before startTime (" +
                                  std::to_string(window.start) + ").");
  }
  return window;
}

// Whether an event of `size` bytes still fits a page that holds `bytes`.
bool fits_page(size_t bytes, size_t size, size_t count) {
  return count == 0 || bytes + size + kEventOverheadBytes <= kMaxPageBytes;
}

}  // namespace

json::object get_log_events(LogConnection& db, const LogRequest& request) {
  const json::object& body = request.body;
  GroupRow group = existing_group(db, requested_group_name(body));
  StreamRow stream = existing_stream(db, group, core::string_member(body, "logStreamName"));
  Window window = window_of(body, false);
  int64_t limit = core::int_member(body, "limit", kMaxPageEvents);

  StreamToken token;
  if (auto* next = body.if_contains("nextToken")) {
    token = decode_stream_token(next->as_string());
  } else {
    token.forward = core::bool_member(body, "startFromHead", false);
    token.position = token.forward ? EventKey{window.start, 0} : EventKey{window.end, 0};
  }
  auto& query = db.statement(
      token.forward
          ? "SELECT seq, timestamp, ingestion_time, message FROM log_events WHERE stream_id = ?1 "
            "AND (timestamp, seq) >= (?2, ?3) AND timestamp >= ?4 AND timestamp < ?5 "
            "ORDER BY timestamp, seq LIMIT ?6"
          : "SELECT seq, timestamp, ingestion_time, message FROM log_events WHERE stream_id = ?1 "
            "AND (timestamp, seq) < (?2, ?3) AND timestamp >= ?4 AND timestamp < ?5 "
            "ORDER BY timestamp DESC, seq DESC LIMIT ?6");
  json::array events;
  std::optional<EventKey> first, last;  // in time order
  {
    auto run = query.run();
    run.bind_int64(1, stream.id).bind_int64(2, token.position.timestamp);
    run.bind_int64(3, token.position.sequence).bind_int64(4, window.start);
    run.bind_int64(5, window.end).bind_int64(6, limit);
    size_t bytes = 0;
    while (run.step()) {
      std::string message = run.column_text(3);
      if (!fits_page(bytes, message.size(), events.size())) break;
      bytes += message.size() + kEventOverheadBytes;
      EventKey key{run.column_int64(1), run.column_int64(0)};
      if (token.forward) {
        if (!first) first = key;
        last = key;
      } else {
        if (!last) last = key;
        first = key;
      }
      events.push_back(json::object{{"timestamp", key.timestamp},
                                    {"message", std::move(message)},
                                    {"ingestionTime", run.column_int64(2)}});
    }
  }
  if (!token.forward) std::reverse(events.begin(), events.end());
  json::object response;
  // Past the last event read, and before the first: the same position when
  // nothing was read, which is the token passed in at the end of a stream.
  EventKey after = last ? EventKey{last->timestamp, last->sequence + 1} : token.position;
  EventKey before = first ? *first : token.position;
  response["events"] = std::move(events);
  response["nextForwardToken"] = encode_stream_token({true, after});
  response["nextBackwardToken"] = encode_stream_token({false, before});
  return response;
}

json::object filter_log_events(LogConnection& db, const LogRequest& request) {
  const json::object& body = request.body;
  GroupRow group = existing_group(db, requested_group_name(body));
  const json::array* names = core::array_member(body, "logStreamNames");
  std::string prefix = core::string_member(body, "logStreamNamePrefix");
  if (names && !prefix.empty()) {
    throw core::invalid_parameter(
        "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  FilterPattern pattern = FilterPattern::compile(core::string_member(body, "filterPattern"));
  Window window = window_of(body, true);
  int64_t limit = core::int_member(body, "limit", kMaxPageEvents);

  // The streams searched, by id.
  std::map<int64_t, std::string> streams;
  {
    auto run = db.statement(
                     "SELECT id, name FROM log_streams WHERE group_id = ?1 AND "
                     "substr(name, 1, length(?2)) = ?2 ORDER BY name")
                   .run();
    run.bind_int64(1, group.id).bind_text(2, prefix);
    while (run.step()) {
      std::string name = run.column_text(1);
      bool wanted = !names;
      for (size_t i = 0; names && !wanted && i < names->size(); ++i) {
        wanted = (*names)[i].as_string() == name;
      }
      if (wanted) streams.emplace(run.column_int64(0), std::move(name));
    }
  }

  EventKey searched{window.start, 0};  // events after it are still to search
  if (auto* next = body.if_contains("nextToken")) searched = decode_filter_token(next->as_string());
  json::array events;
  bool more = false;
  size_t bytes = 0;
  int64_t scanned = 0;
  std::vector<int64_t> stream_ids;
  for (const auto& [id, name] : streams) stream_ids.push_back(id);
  GroupCursor cursor(db, std::move(stream_ids), searched, window.end);
  while (auto event = cursor.next()) {
    if (static_cast<int64_t>(events.size()) == limit || scanned == kMaxSearchedPerPage) {
      more = true;  // an event remains beyond this page
      break;
    }
    if (pattern.matches(event->message)) {
      if (!fits_page(bytes, event->message.size(), events.size())) {
        more = true;
        break;
      }
      bytes += event->message.size() + kEventOverheadBytes;
      events.push_back(json::object{{"logStreamName", streams.at(event->stream_id)},
                                    {"timestamp", event->key.timestamp},
                                    {"message", std::move(event->message)},
                                    {"ingestionTime", event->ingestion_time},
                                    {"eventId", event_id(event->key)}});
    }
    searched = event->key;
    ++scanned;
  }
  json::array searched_streams;
  for (const auto& [id, name] : streams) {
    searched_streams.push_back(
        json::object{{"logStreamName", name}, {"searchedCompletely", !more}});
  }
  json::object response{{"events", std::move(events)},
                        {"searchedLogStreams", std::move(searched_streams)}};
  if (more) response["nextToken"] = encode_filter_token(searched);
  return response;
}

}  // namespace gantry::logs
