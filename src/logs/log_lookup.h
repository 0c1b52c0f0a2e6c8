#pragma once
// Finding a group or a stream by name: one place for the queries and for
// the ResourceNotFoundException a missing one is.
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logs/log_database.h"

namespace gantry::logs {

struct GroupRow {
  int64_t id = 0;
  std::string name;
  std::optional<int> retention_days;
};

struct StreamRow {
  int64_t id = 0;
  std::string name;
};

std::optional<GroupRow> find_group(LogConnection& db, const std::string& name);
// Throws ResourceNotFoundException when the group does not exist.
GroupRow existing_group(LogConnection& db, const std::string& name);
StreamRow existing_stream(LogConnection& db, const GroupRow& group, const std::string& name);

// The ids of the group's streams.
std::vector<int64_t> stream_ids_of(LogConnection& db, int64_t group_id);

// Adds `delta` (negative: subtracts) to the group's storedBytes, never
// below 0: what every append and drop of events keeps true.
void adjust_stored_bytes(LogConnection& db, int64_t group_id, int64_t delta);

// The request's group: logGroupName, or logGroupIdentifier (a name or an
// ARN) where the operation takes one; InvalidParameterException when it
// names none or both.
std::string requested_group_name(const boost::json::object& body);

}  // namespace gantry::logs
