#pragma once
// Retention policies: the day counts PutRetentionPolicy accepts, as
// botocore's model of CloudWatch Logs lists them (the Days shape: 1, 3, 5,
// 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
// 2557, 2922, 3288, 3653).
#include <cstdint>

namespace gantry::logs {

bool is_allowed_retention(int64_t days);
// Throws InvalidParameterException naming the allowed values.
void check_retention(int64_t days);

}  // namespace gantry::logs
