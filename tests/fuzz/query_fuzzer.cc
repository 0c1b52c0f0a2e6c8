// libFuzzer target for the cluster query language (memberOf constraints and
// ListContainerInstances filters come straight from clients): compile the
// input, then evaluate it against a fixed instance. core::ApiError is the
// expected answer to a bad query; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "scheduler/query_language.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const gantry::scheduler::InstanceView instance = [] {
    gantry::scheduler::InstanceView view;
    view.arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/abc";
    view.id = "abc";
    view.ec2_instance_id = "i-0123456789abcdef0";
    view.status = "ACTIVE";
    view.agent_connected = true;
    view.agent_version = "1.2.3";
    view.registered_at = 1700000000;
    view.running_tasks_count = 3;
    view.attributes = {{"ecs.availability-zone", "us-east-1a"}, {"zone", "a"}, {"gpu", ""}};
    view.task_groups = {"family:web", "service:api"};
    return view;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    gantry::scheduler::compile_query(text).matches(instance);
  } catch (const gantry::core::ApiError&) {
  }
  return 0;
}
