#pragma once
// The store's keys, built and parsed in one place. A key names its record's
// kind by its prefix, then the record's identity; removals carry no record,
// so the views learn what was removed from the key alone. Revisions are
// zero-padded so that key order is revision order.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace gantry::state {

inline constexpr std::string_view kClusterPrefix = "clusters/";
inline constexpr std::string_view kTaskDefinitionPrefix = "taskdefs/";
inline constexpr std::string_view kAccountSettingPrefix = "settings/";
inline constexpr std::string_view kContainerInstancePrefix = "instances/";
inline constexpr std::string_view kTaskPrefix = "tasks/";
inline constexpr std::string_view kServicePrefix = "services/";
inline constexpr std::string_view kJobPrefix = "jobs/";
// Account-wide: one namespace of names for every cluster.
inline constexpr std::string_view kCapacityProviderPrefix = "capacity-providers/";

// Where a host that offers FARGATE capacity alone registers: a slice of
// its own, not a cluster (it has no cluster record, and no cluster can be
// named so: cluster names hold no '.'). Hosts that also offer EC2 capacity
// register in the cluster they serve it to.
inline constexpr std::string_view kFargatePool = "fargate.pool";

std::string cluster_key(std::string_view name);
std::string task_definition_key(std::string_view family, int64_t revision);
std::string account_setting_key(std::string_view principal_arn, std::string_view name);
std::string container_instance_key(std::string_view cluster, std::string_view id);
std::string task_key(std::string_view cluster, std::string_view id);
std::string service_key(std::string_view cluster, std::string_view name);
std::string capacity_provider_key(std::string_view name);
std::string job_key(std::string_view cluster, std::string_view id);

// The parts of a key; each throws std::runtime_error for a key of its kind
// that does not parse (a corrupt store is a fault, not a client error).
// "<prefix><cluster>/<id>" (instances, tasks, services, jobs) -> (cluster, id)
std::pair<std::string, std::string> parse_scoped_key(std::string_view key, std::string_view prefix);
// -> (family, revision)
std::pair<std::string, int64_t> parse_task_definition_key(std::string_view key);
// -> (name, principal ARN)
std::pair<std::string, std::string> parse_account_setting_key(std::string_view key);

}  // namespace gantry::state
