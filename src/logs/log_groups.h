#pragma once
// The log group operations: CreateLogGroup, DeleteLogGroup,
// DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy. Writes run
// on the log writer's connection; DescribeLogGroups on a reader's.
#include <boost/json.hpp>

#include "logs/log_database.h"
#include "logs/log_request.h"

namespace gantry::logs {

boost::json::object create_log_group(LogConnection& db, const LogRequest& request);
boost::json::object delete_log_group(LogConnection& db, const LogRequest& request);
boost::json::object describe_log_groups(LogConnection& db, const LogRequest& request);
// Also drops, in the same transaction, the events the new policy expires.
boost::json::object put_retention_policy(LogConnection& db, const LogRequest& request);
boost::json::object delete_retention_policy(LogConnection& db, const LogRequest& request);

}  // namespace gantry::logs
