#include "agent/logs/awslogs_options.h"

#include <stdexcept>

#include "core/json_members.h"

namespace gantry::agent {

namespace json = boost::json;
using core::string_member;

std::optional<AwslogsOptions> awslogs_options_of(const json::object& container) {
  const json::object* config = core::object_member(container, "logConfiguration");
  if (!config || string_member(*config, "logDriver") != "awslogs") return std::nullopt;
  static const json::object kNone;
  const json::object* given = core::object_member(*config, "options");
  const json::object& options = given ? *given : kNone;

  AwslogsOptions o;
  o.group = string_member(options, "awslogs-group");
  if (o.group.empty()) {
    throw std::invalid_argument(
        "failed to initialize logging driver: must specify a value for log opt 'awslogs-group'");
  }
  o.region = string_member(options, "awslogs-region");
  o.stream_prefix = string_member(options, "awslogs-stream-prefix");
  const std::string create = string_member(options, "awslogs-create-group", "false");
  if (create != "true" && create != "false") {
    throw std::invalid_argument(
        "failed to initialize logging driver: awslogs-create-group: "
        "invalid value \"" +
        create + "\", expected true or false");
  }
  o.create_group = create == "true";
  o.datetime_format = string_member(options, "awslogs-datetime-format");
  o.multiline_pattern = string_member(options, "awslogs-multiline-pattern");
  if (!o.datetime_format.empty() && !o.multiline_pattern.empty()) {
    // Docker's own refusal.
    throw std::invalid_argument(
        "failed to initialize logging driver: you cannot configure log opt "
        "'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time");
  }
  return o;
}

std::string awslogs_stream_name(const AwslogsOptions& options, const std::string& container_name,
                                const std::string& task_id, const std::string& runtime_id) {
  if (options.stream_prefix.empty()) return runtime_id;
  return options.stream_prefix + "/" + container_name + "/" + task_id;
}

}  // namespace gantry::agent
