#pragma once
// What a CloudWatch Logs operation is given: the request body (already
// validated against botocore's model of the service), when it came, and
// for which account and region (the SigV4 scope's).
#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace gantry::logs {

struct LogRequest {
  boost::json::object body;
  int64_t now_ms = 0;
  std::string region;
  std::string account_id;
};

// The group's ARN as LogGroup.logGroupArn shows it (no trailing ":*").
inline std::string log_group_arn(const LogRequest& request, const std::string& group) {
  return "arn:aws:logs:" + request.region + ":" + request.account_id + ":log-group:" + group;
}

}  // namespace gantry::logs
