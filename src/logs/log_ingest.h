#pragma once
// PutLogEvents in two halves: the batch is read and checked on the
// request's thread (prepare_put_log_events: JSON, order, size, span), so
// that the writer's thread only looks up the stream and appends.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "logs/log_database.h"
#include "logs/log_request.h"
#include "logs/put_log_events_rules.h"

namespace gantry::logs {

struct PutBatch {
  std::string group;
  std::string stream;
  std::vector<InputLogEvent> events;
  int64_t now_ms = 0;
};

// Throws InvalidParameterException for a batch PutLogEvents refuses whole.
PutBatch prepare_put_log_events(const LogRequest& request);

// Appends the batch's valid events (durable once the writer commits) and
// answers nextSequenceToken and rejectedLogEventsInfo. `max_group_bytes`
// (0: none) caps what the group keeps, its oldest events dropped first.
boost::json::object put_log_events(LogConnection& db, const PutBatch& batch,
                                   int64_t max_group_bytes);

}  // namespace gantry::logs
