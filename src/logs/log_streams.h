#pragma once
// The log stream operations: CreateLogStream, DeleteLogStream,
// DescribeLogStreams (by name or by last event time, either way round).
#include <boost/json.hpp>

#include "logs/log_database.h"
#include "logs/log_request.h"

namespace gantry::logs {

boost::json::object create_log_stream(LogConnection& db, const LogRequest& request);
boost::json::object delete_log_stream(LogConnection& db, const LogRequest& request);
boost::json::object describe_log_streams(LogConnection& db, const LogRequest& request);

}  // namespace gantry::logs
