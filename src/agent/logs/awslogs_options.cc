#include "agent/logs/awslogs_options.h"

#include <regex>
#include <stdexcept>

#include "agent/logs/log_event_builder.h"
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
  // The agent compiles the pattern with std::regex, whose recursion a long
  // pattern could take past the stack: no real pattern needs more.
  constexpr size_t kMaxPatternBytes = 512;
  if (o.datetime_format.size() > kMaxPatternBytes || o.multiline_pattern.size() > kMaxPatternBytes) {
    throw std::invalid_argument("failed to initialize logging driver: the awslogs pattern is "
                                "longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  try {
    if (!o.datetime_format.empty()) datetime_format_pattern(o.datetime_format);
    if (!o.multiline_pattern.empty()) multiline_pattern(o.multiline_pattern);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument(
        std::string("failed to initialize logging driver: ") +
        (o.datetime_format.empty() ? "awslogs-multiline-pattern" : "awslogs-datetime-format") +
        " is not a valid regular expression: " + e.what());
  }
  return o;
}

std::string awslogs_stream_name(const AwslogsOptions& options, const std::string& container_name,
                                const std::string& task_id, const std::string& runtime_id) {
  if (options.stream_prefix.empty()) return runtime_id;
  return options.stream_prefix + "/" + container_name + "/" + task_id;
}

}  // namespace gantry::agent
