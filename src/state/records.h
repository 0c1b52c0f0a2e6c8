#pragma once
// The records the control plane keeps, each stored under one key as the
// JSON document ECS would return for it (minus the members derived at read
// time, such as a cluster's task counts). Keeping the wire shape means every
// member a client sent round-trips exactly, also those gantry does not act
// on yet.
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <variant>

namespace gantry::state {

struct ClusterRecord {
  boost::json::object doc;  // the ECS Cluster shape, including "tags"
  std::string name() const;
  bool active() const;
};

struct TaskDefinitionRecord {
  boost::json::object doc;   // the ECS TaskDefinition shape
  boost::json::array tags;   // ECS returns these beside the definition
  std::string family() const;
  int64_t revision() const;
  std::string status() const;
};

struct AccountSettingRecord {
  std::string principal_arn;  // empty: the account default
  std::string name;
  std::string value;
};

using Record = std::variant<ClusterRecord, TaskDefinitionRecord, AccountSettingRecord>;

// Store keys. Revisions are zero-padded so that key order is revision order.
std::string cluster_key(std::string_view name);
std::string task_definition_key(std::string_view family, int64_t revision);
std::string account_setting_key(std::string_view principal_arn, std::string_view name);

std::string encode_record(const Record& record);
// Throws std::runtime_error when the stored bytes cannot be a record of the
// kind its key names (a corrupt store is a fault, not a client error).
Record decode_record(std::string_view key, std::string_view value);

}  // namespace gantry::state
