#include "logs/log_groups.h"

#include "core/json_members.h"
#include "logs/log_errors.h"
#include "logs/log_lookup.h"
#include "logs/log_paging.h"
#include "logs/log_tags.h"
#include "logs/put_log_events_rules.h"
#include "logs/retention.h"
#include "logs/retention_sweep.h"

namespace gantry::logs {

namespace json = boost::json;

namespace {

json::object group_document(store::Statement::Run& row) {
  // columns: name, arn, creation_time, retention_days, stored_bytes, log_group_class
  json::object group;
  group["logGroupName"] = row.column_text(0);
  group["creationTime"] = row.column_int64(2);
  if (int64_t days = row.column_int64(3); days > 0) group["retentionInDays"] = days;
  group["metricFilterCount"] = 0;
  std::string arn = row.column_text(1);
  group["arn"] = arn + ":*";
  group["storedBytes"] = row.column_int64(4);
  group["logGroupClass"] = row.column_text(5);
  group["logGroupArn"] = arn;
  return group;
}

}  // namespace

json::object create_log_group(LogConnection& db, const LogRequest& request) {
  std::string name = core::string_member(request.body, "logGroupName");
  if (find_group(db, name)) throw log_group_exists();
  std::string tags = "{}";
  if (const json::object* given = core::object_member(request.body, "tags")) {
    tags = json::serialize(merged_tags({}, *given));
  }
  auto run = db.statement(
                   "INSERT INTO log_groups (name, arn, creation_time, log_group_class, tags) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)")
                 .run();
  std::string arn = log_group_arn(request, name);
  std::string group_class = core::string_member(request.body, "logGroupClass", "STANDARD");
  run.bind_text(1, name).bind_text(2, arn).bind_int64(3, request.now_ms);
  run.bind_text(4, group_class).bind_text(5, tags);
  run.execute();
  return {};
}

json::object delete_log_group(LogConnection& db, const LogRequest& request) {
  GroupRow group = existing_group(db, core::string_member(request.body, "logGroupName"));
  for (int64_t stream : stream_ids_of(db, group.id)) {
    auto run = db.statement("DELETE FROM log_events WHERE stream_id = ?1").run();
    run.bind_int64(1, stream);
    run.execute();
  }
  for (const char* sql :
       {"DELETE FROM log_streams WHERE group_id = ?1", "DELETE FROM log_groups WHERE id = ?1"}) {
    auto run = db.statement(sql).run();
    run.bind_int64(1, group.id);
    run.execute();
  }
  return {};
}

json::object describe_log_groups(LogConnection& db, const LogRequest& request) {
  const json::object& body = request.body;
  std::string prefix = core::string_member(body, "logGroupNamePrefix");
  std::string pattern = core::string_member(body, "logGroupNamePattern");
  if (!prefix.empty() && !pattern.empty()) {
    throw core::invalid_parameter(
        "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.");
  }
  int64_t limit = core::int_member(body, "limit", kDefaultDescribeLimit);
  std::string after;
  if (auto* token = body.if_contains("nextToken")) {
    after = decode_describe_token(token->as_string());
  }
  // Names sort bytewise (SQLite's BINARY collation), as the token compares.
  auto run = db.statement(
                   "SELECT name, arn, creation_time, retention_days, stored_bytes, "
                   "log_group_class FROM log_groups WHERE name > ?1 AND substr(name, 1, "
                   "length(?2)) = ?2 ORDER BY name")
                 .run();
  run.bind_text(1, after).bind_text(2, prefix);
  json::array groups;
  json::object response;
  std::string last;
  while (run.step()) {
    std::string name = run.column_text(0);
    if (!pattern.empty() && name.find(pattern) == std::string::npos) continue;
    if (static_cast<int64_t>(groups.size()) == limit) {
      response["nextToken"] = encode_describe_token(last);
      break;
    }
    groups.push_back(group_document(run));
    last = std::move(name);
  }
  response["logGroups"] = std::move(groups);
  return response;
}

json::object put_retention_policy(LogConnection& db, const LogRequest& request) {
  int64_t days = core::int_member(request.body, "retentionInDays", 0);
  check_retention(days);
  GroupRow group = existing_group(db, core::string_member(request.body, "logGroupName"));
  auto run = db.statement("UPDATE log_groups SET retention_days = ?1 WHERE id = ?2").run();
  run.bind_int64(1, days).bind_int64(2, group.id);
  run.execute();
  drop_events_before(db, group.id, request.now_ms - days * kMillisPerDay);
  return {};
}

json::object delete_retention_policy(LogConnection& db, const LogRequest& request) {
  GroupRow group = existing_group(db, core::string_member(request.body, "logGroupName"));
  auto run = db.statement("UPDATE log_groups SET retention_days = NULL WHERE id = ?1").run();
  run.bind_int64(1, group.id);
  run.execute();
  return {};
}

}  // namespace gantry::logs
