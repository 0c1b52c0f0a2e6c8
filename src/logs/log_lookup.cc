#include "logs/log_lookup.h"

#include "core/json_members.h"
#include "logs/log_errors.h"

namespace gantry::logs {

std::optional<GroupRow> find_group(LogConnection& db, const std::string& name) {
  auto run = db.statement("SELECT id, retention_days FROM log_groups WHERE name = ?1").run();
  run.bind_text(1, name);
  if (!run.step()) return std::nullopt;
  GroupRow row{run.column_int64(0), name, std::nullopt};
  int64_t retention = run.column_int64(1);  // NULL reads as 0: no policy
  if (retention > 0) row.retention_days = static_cast<int>(retention);
  return row;
}

GroupRow existing_group(LogConnection& db, const std::string& name) {
  auto group = find_group(db, name);
  if (!group) throw log_group_not_found();
  return *group;
}

StreamRow existing_stream(LogConnection& db, const GroupRow& group, const std::string& name) {
  auto run = db.statement("SELECT id FROM log_streams WHERE group_id = ?1 AND name = ?2").run();
  run.bind_int64(1, group.id).bind_text(2, name);
  if (!run.step()) throw log_stream_not_found();
  return {run.column_int64(0), name};
}

std::vector<int64_t> stream_ids_of(LogConnection& db, int64_t group_id) {
  std::vector<int64_t> ids;
  auto run = db.statement("SELECT id FROM log_streams WHERE group_id = ?1").run();
  run.bind_int64(1, group_id);
  while (run.step()) ids.push_back(run.column_int64(0));
  return ids;
}

void adjust_stored_bytes(LogConnection& db, int64_t group_id, int64_t delta) {
  if (delta == 0) return;
  auto run =
      db.statement("UPDATE log_groups SET stored_bytes = max(0, stored_bytes + ?1) WHERE id = ?2")
          .run();
  run.bind_int64(1, delta).bind_int64(2, group_id);
  run.execute();
}

std::string requested_group_name(const boost::json::object& body) {
  std::string name = core::string_member(body, "logGroupName", "");
  std::string identifier = core::string_member(body, "logGroupIdentifier", "");
  if (!name.empty() && !identifier.empty()) {
    throw core::invalid_parameter(
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (!identifier.empty()) {
    // arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]
    constexpr std::string_view kMarker = ":log-group:";
    size_t at = identifier.find(kMarker);
    if (at == std::string::npos) return identifier;
    std::string group = identifier.substr(at + kMarker.size());
    if (group.ends_with(":*")) group.resize(group.size() - 2);
    return group;
  }
  if (name.empty()) {
    throw core::invalid_parameter("Either logGroupName or logGroupIdentifier must be specified.");
  }
  return name;
}

}  // namespace gantry::logs
