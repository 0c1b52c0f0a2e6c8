#pragma once
// The nextToken of the Describe operations: the sort key of the last item
// returned, hex-encoded so that it is opaque and safe in any client.
#include <string>
#include <string_view>

namespace gantry::logs {

std::string encode_describe_token(std::string_view last_key);
// Throws InvalidParameterException for a token gantry did not issue.
std::string decode_describe_token(std::string_view token);

// limit (1..50 by the model), 50 when absent, as CloudWatch's default.
inline constexpr int64_t kDefaultDescribeLimit = 50;

}  // namespace gantry::logs
