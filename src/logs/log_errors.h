#pragma once
// CloudWatch Logs' errors, with the texts its API answers
// (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html
// and each operation's Errors section).
#include <boost/json.hpp>
#include <string>
#include <variant>

#include "core/error.h"

namespace gantry::logs {

// What an operation answers: its response document, or an error.
using Answer = std::variant<boost::json::object, core::ApiError>;

inline core::ApiError log_group_not_found() {
  return core::resource_not_found("The specified log group does not exist.");
}
inline core::ApiError log_stream_not_found() {
  return core::resource_not_found("The specified log stream does not exist.");
}
inline core::ApiError log_group_exists() {
  return {"ResourceAlreadyExistsException", "The specified log group already exists"};
}
inline core::ApiError log_stream_exists() {
  return {"ResourceAlreadyExistsException", "The specified log stream already exists"};
}
inline core::ApiError too_many_tags() {
  return {"TooManyTagsException", "A resource can have no more than 50 tags."};
}
inline core::ApiError invalid_token() {
  return core::invalid_parameter("The specified nextToken is invalid.");
}

}  // namespace gantry::logs
