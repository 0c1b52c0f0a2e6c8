// libFuzzer target for the agent channel's messages, which cross the
// network in both directions: parse a message as each kind, resolve every
// desired task into the spec the agent would run, and turn each container
// of that spec into the Docker create body the Docker driver would send. std::exception is
// the expected answer to a malformed message (the agent logs and drops it);
// a crash is a bug.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/drivers/docker_container_config.h"
#include "agent/task_spec_resolver.h"
#include "model/agent_protocol.h"
#include "model/gpu_health.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::json::error_code ec;
  boost::json::value message = boost::json::parse(text, ec);
  if (ec || !message.is_object()) return 0;
  try {
    for (const auto& task : gantry::model::parse_desired_tasks(message.get_object()).tasks) {
      auto spec = gantry::agent::resolve_task_spec(task.task_arn, *task.task_definition,
                                                   task.overrides, task.gpu_ids);
      gantry::agent::DockerStartContext context;
      context.network_container_id = "pause";
      context.volumes = gantry::agent::resolve_volumes(spec, {{"fs-12345678", "/mnt/efs"}});
      for (const auto& container : spec.containers) {
        context.container_ids[container.name] = "id-" + container.name;
      }
      for (const auto& container : spec.containers) {
        (void)gantry::agent::docker_create_body(spec, container, context);
      }
    }
  } catch (const std::exception&) {
  }
  try {
    gantry::model::parse_task_states(message.get_object());
  } catch (const std::exception&) {
  }
  try {
    gantry::model::parse_health(message.get_object());
  } catch (const std::exception&) {
  }
  try {
    auto address = gantry::model::parse_task_address(message.get_object());
    auto again = gantry::model::parse_task_address(gantry::model::task_address_message(address));
    if (again.task_arn != address.task_arn ||
        again.private_ipv4_address != address.private_ipv4_address) {
      __builtin_trap();
    }
  } catch (const std::exception&) {
  }
  try {
    // What is parsed must serialise back to a message that parses the same.
    auto first = gantry::model::stats_message(gantry::model::parse_stats(message.get_object()));
    auto second = gantry::model::stats_message(gantry::model::parse_stats(first));
    if (boost::json::serialize(first) != boost::json::serialize(second)) __builtin_trap();
  } catch (const std::exception&) {
  }
  try {
    auto gpus = gantry::model::parse_gpu_health(message.get_object());
    if (gantry::model::parse_gpu_health(gantry::model::gpu_health_message(gpus)) != gpus) {
      __builtin_trap();
    }
  } catch (const std::exception&) {
  }
  return 0;
}
