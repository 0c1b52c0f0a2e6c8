#include "logs/log_streams.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/json_members.h"
#include "logs/log_errors.h"
#include "logs/log_lookup.h"
#include "logs/log_paging.h"

namespace gantry::logs {

namespace json = boost::json;

namespace {

struct ListedStream {
  std::string sort_key;
  json::object document;
};

// LastEventTime order: the last event's time, then the name (a stream with
// no event yet sorts first, as one whose last event is at 0).
std::string last_event_key(int64_t last_event, const std::string& name) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%019lld", static_cast<long long>(last_event));
  return digits + name;
}

}  // namespace

json::object create_log_stream(LogConnection& db, const LogRequest& request) {
  GroupRow group = existing_group(db, core::string_member(request.body, "logGroupName"));
  std::string name = core::string_member(request.body, "logStreamName");
  {
    auto run = db.statement("SELECT 1 FROM log_streams WHERE group_id = ?1 AND name = ?2").run();
    run.bind_int64(1, group.id).bind_text(2, name);
    if (run.step()) throw log_stream_exists();
  }
  std::string arn = log_group_arn(request, group.name) + ":log-stream:" + name;
  auto run = db.statement(
                   "INSERT INTO log_streams (group_id, name, arn, creation_time) "
                   "VALUES (?1, ?2, ?3, ?4)")
                 .run();
  run.bind_int64(1, group.id).bind_text(2, name).bind_text(3, arn).bind_int64(4, request.now_ms);
  run.execute();
  return {};
}

json::object delete_log_stream(LogConnection& db, const LogRequest& request) {
  GroupRow group = existing_group(db, core::string_member(request.body, "logGroupName"));
  StreamRow stream = existing_stream(db, group, core::string_member(request.body, "logStreamName"));
  int64_t bytes = 0;
  {
    auto run = db.statement(
                     "SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) FROM "
                     "log_events WHERE stream_id = ?1")
                   .run();
    run.bind_int64(1, stream.id);
    if (run.step()) bytes = run.column_int64(0);
  }
  for (const char* sql :
       {"DELETE FROM log_events WHERE stream_id = ?1", "DELETE FROM log_streams WHERE id = ?1"}) {
    auto run = db.statement(sql).run();
    run.bind_int64(1, stream.id);
    run.execute();
  }
  adjust_stored_bytes(db, group.id, -bytes);
  return {};
}

json::object describe_log_streams(LogConnection& db, const LogRequest& request) {
  const json::object& body = request.body;
  GroupRow group = existing_group(db, requested_group_name(body));
  std::string prefix = core::string_member(body, "logStreamNamePrefix");
  bool by_time = core::string_member(body, "orderBy", "LogStreamName") == "LastEventTime";
  bool descending = core::bool_member(body, "descending", false);
  if (by_time && !prefix.empty()) {
    throw core::invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  int64_t limit = core::int_member(body, "limit", kDefaultDescribeLimit);
  std::optional<std::string> after;
  if (auto* token = body.if_contains("nextToken"))
    after = decode_describe_token(token->as_string());

  std::vector<ListedStream> streams;
  {
    auto run = db.statement(
                     "SELECT name, arn, creation_time, first_event, last_event, "
                     "last_ingestion FROM log_streams WHERE group_id = ?1 AND "
                     "substr(name, 1, length(?2)) = ?2")
                   .run();
    run.bind_int64(1, group.id).bind_text(2, prefix);
    while (run.step()) {
      std::string name = run.column_text(0);
      json::object stream{{"logStreamName", name},
                          {"creationTime", run.column_int64(2)},
                          {"arn", run.column_text(1)},
                          // Deprecated for streams: CloudWatch reports 0.
                          {"storedBytes", 0}};
      int64_t last_event = run.column_int64(4);
      if (run.column_int64(5) > 0) {  // it has had an event
        stream["firstEventTimestamp"] = run.column_int64(3);
        stream["lastEventTimestamp"] = last_event;
        stream["lastIngestionTime"] = run.column_int64(5);
      }
      std::string key = by_time ? last_event_key(last_event, name) : name;
      streams.push_back({std::move(key), std::move(stream)});
    }
  }
  std::sort(streams.begin(), streams.end(), [descending](const auto& a, const auto& b) {
    return descending ? a.sort_key > b.sort_key : a.sort_key < b.sort_key;
  });
  json::array page;
  json::object response;
  for (size_t i = 0; i < streams.size(); ++i) {
    const std::string& key = streams[i].sort_key;
    if (after && (descending ? key >= *after : key <= *after)) continue;
    if (static_cast<int64_t>(page.size()) == limit) {
      response["nextToken"] = encode_describe_token(streams[i - 1].sort_key);
      break;
    }
    page.push_back(std::move(streams[i].document));
  }
  response["logStreams"] = std::move(page);
  return response;
}

}  // namespace gantry::logs
