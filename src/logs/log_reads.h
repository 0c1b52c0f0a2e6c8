#pragma once
// The event reads: GetLogEvents (one stream, paged either way with f/ and
// b/ tokens) and FilterLogEvents (a group's streams interleaved by time,
// filtered by a pattern, paged with nextToken). Both answer at most 10,000
// events or 1 MB, the API's documented page size (EventsLimit, and "up to 1
// MB" in GetLogEvents' and FilterLogEvents' references).
#include <boost/json.hpp>

#include "logs/log_database.h"
#include "logs/log_request.h"

namespace gantry::logs {

inline constexpr int64_t kMaxPageEvents = 10'000;
inline constexpr size_t kMaxPageBytes = 1'048'576;
// FilterLogEvents stops after searching this many events and answers a
// nextToken, so that a rare pattern over a large group pages rather than
// holding a reader for long (CloudWatch too may answer a partial page).
inline constexpr int64_t kMaxSearchedPerPage = 200'000;

boost::json::object get_log_events(LogConnection& db, const LogRequest& request);
// Throws InvalidParameterException for a pattern that does not parse.
boost::json::object filter_log_events(LogConnection& db, const LogRequest& request);

}  // namespace gantry::logs
