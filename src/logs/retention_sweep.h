#pragma once
// What leaves a group: events older than its retention policy (swept on a
// timer, and at once when a policy is put), and its oldest events when it
// holds more than the operator's cap (`--log-group-max-bytes`, checked
// after each PutLogEvents). Both keep the group's storedBytes true. They
// run on the log writer's connection, inside its transaction.
#include <cstdint>

#include "logs/log_database.h"

namespace gantry::logs {

// Drops the group's events with a timestamp before `cutoff_ms`.
void drop_events_before(LogConnection& db, int64_t group_id, int64_t cutoff_ms);

// Every group with a retention policy, as of `now_ms`.
void sweep_retention(LogConnection& db, int64_t now_ms);

// Drops the group's oldest events until it holds at most `max_bytes`.
void enforce_size_cap(LogConnection& db, int64_t group_id, int64_t max_bytes);

}  // namespace gantry::logs
