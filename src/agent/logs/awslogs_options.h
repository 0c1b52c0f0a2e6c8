#pragma once
// A container's `awslogs` logConfiguration, as the agent ships by it. The
// options are those of Docker's awslogs driver, which ECS passes through
// (docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html).
#include <boost/json.hpp>
#include <optional>
#include <string>

namespace gantry::agent {

struct AwslogsOptions {
  std::string group;          // awslogs-group (required)
  std::string region;         // awslogs-region; empty: the agent's own
  std::string stream_prefix;  // awslogs-stream-prefix
  bool create_group = false;  // awslogs-create-group
  // awslogs-datetime-format (strftime) or awslogs-multiline-pattern (a
  // regular expression): a line that matches starts a new event, the others
  // join the one before. Both empty: every line is an event.
  std::string datetime_format;
  std::string multiline_pattern;
};

// The options of a container definition's logConfiguration when its
// logDriver is awslogs; nullopt for any other driver. Throws
// std::invalid_argument, with a message for the task's stopped reason, when
// awslogs-group is missing or an option's value is not one Docker takes.
std::optional<AwslogsOptions> awslogs_options_of(const boost::json::object& container);

// The stream ECS names for a container: "prefix/container-name/task-id"
// with a prefix, else the runtime's container id, as Docker's awslogs
// driver names it.
std::string awslogs_stream_name(const AwslogsOptions& options, const std::string& container_name,
                                const std::string& task_id, const std::string& runtime_id);

}  // namespace gantry::agent
