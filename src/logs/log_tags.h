#pragma once
// Tags of log groups: TagResource, UntagResource, ListTagsForResource (a
// group's ARN, with or without its ":*") and the older TagLogGroup,
// UntagLogGroup, ListTagsLogGroup (its name). At most 50 per group.
#include <boost/json.hpp>

#include "logs/log_database.h"
#include "logs/log_request.h"

namespace gantry::logs {

// `current` with `added` on top; TooManyTagsException above 50.
boost::json::object merged_tags(boost::json::object current, const boost::json::object& added);

boost::json::object tag_resource(LogConnection& db, const LogRequest& request);
boost::json::object untag_resource(LogConnection& db, const LogRequest& request);
boost::json::object list_tags_for_resource(LogConnection& db, const LogRequest& request);
boost::json::object tag_log_group(LogConnection& db, const LogRequest& request);
boost::json::object untag_log_group(LogConnection& db, const LogRequest& request);
boost::json::object list_tags_log_group(LogConnection& db, const LogRequest& request);

}  // namespace gantry::logs
