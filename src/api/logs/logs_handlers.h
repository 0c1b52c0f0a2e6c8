#pragma once
// The CloudWatch Logs service on gantry's endpoint: its router's handlers
// (thin: each hands the validated request to an operation of logs/) and
// the Service that ApiServer serves it as.
#include "api/router.h"
#include "api/service.h"
#include "logs/log_store.h"

namespace gantry::api {

// PutLogEvents takes up to 1,048,576 bytes of messages, which as JSON (each
// event's timestamp and member names, escapes) is several times that.
inline constexpr size_t kLogsMaxBodyBytes = size_t{8} << 20;

void register_logs_handlers(Router& router, logs::LogStore& store);

// Logs_20140328.<Operation>, signed for "logs", checked against
// model::Schema::logs().
Service logs_service(const Router& router);

}  // namespace gantry::api
