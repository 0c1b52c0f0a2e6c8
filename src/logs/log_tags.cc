#include "logs/log_tags.h"

#include "core/json_members.h"
#include "logs/log_errors.h"
#include "logs/log_lookup.h"

namespace gantry::logs {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTags = 50;

// The group a resourceArn names: arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*].
std::string group_of_arn(const std::string& arn) {
  constexpr std::string_view kMarker = ":log-group:";
  size_t at = arn.find(kMarker);
  if (!arn.starts_with("arn:") || at == std::string::npos) {
    throw core::invalid_parameter("Invalid resourceArn '" + arn +
                                  "': expected the ARN of a log group.");
  }
  std::string name = arn.substr(at + kMarker.size());
  if (name.ends_with(":*")) name.resize(name.size() - 2);
  return name;
}

json::object read_tags(LogConnection& db, int64_t group_id) {
  auto run = db.statement("SELECT tags FROM log_groups WHERE id = ?1").run();
  run.bind_int64(1, group_id);
  if (!run.step()) return {};
  return json::parse(run.column_text(0)).as_object();
}

void write_tags(LogConnection& db, int64_t group_id, const json::object& tags) {
  std::string text = json::serialize(tags);
  auto run = db.statement("UPDATE log_groups SET tags = ?1 WHERE id = ?2").run();
  run.bind_text(1, text).bind_int64(2, group_id);
  run.execute();
}

json::object tag(LogConnection& db, const std::string& group_name, const json::object& body,
                 std::string_view tags_member) {
  GroupRow group = existing_group(db, group_name);
  const json::object* added = core::object_member(body, tags_member);
  write_tags(db, group.id, merged_tags(read_tags(db, group.id), added ? *added : json::object{}));
  return {};
}

json::object untag(LogConnection& db, const std::string& group_name, const json::array* keys) {
  GroupRow group = existing_group(db, group_name);
  json::object tags = read_tags(db, group.id);
  if (keys) {
    for (const json::value& key : *keys) tags.erase(key.as_string());
  }
  write_tags(db, group.id, tags);
  return {};
}

}  // namespace

json::object merged_tags(json::object current, const json::object& added) {
  for (const auto& [key, value] : added) current[key] = value;
  if (current.size() > kMaxTags) throw too_many_tags();
  return current;
}

json::object tag_resource(LogConnection& db, const LogRequest& request) {
  return tag(db, group_of_arn(core::string_member(request.body, "resourceArn")), request.body,
             "tags");
}

json::object untag_resource(LogConnection& db, const LogRequest& request) {
  return untag(db, group_of_arn(core::string_member(request.body, "resourceArn")),
               core::array_member(request.body, "tagKeys"));
}

json::object list_tags_for_resource(LogConnection& db, const LogRequest& request) {
  GroupRow group =
      existing_group(db, group_of_arn(core::string_member(request.body, "resourceArn")));
  return {{"tags", read_tags(db, group.id)}};
}

json::object tag_log_group(LogConnection& db, const LogRequest& request) {
  return tag(db, core::string_member(request.body, "logGroupName"), request.body, "tags");
}

json::object untag_log_group(LogConnection& db, const LogRequest& request) {
  // UntagLogGroup's `tags` is the list of keys.
  return untag(db, core::string_member(request.body, "logGroupName"),
               core::array_member(request.body, "tags"));
}

json::object list_tags_log_group(LogConnection& db, const LogRequest& request) {
  GroupRow group = existing_group(db, core::string_member(request.body, "logGroupName"));
  return {{"tags", read_tags(db, group.id)}};
}

}  // namespace gantry::logs
