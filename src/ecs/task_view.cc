#include "ecs/task_view.h"

#include "core/arn.h"
#include "core/error.h"

namespace gantry::ecs {

namespace json = boost::json;

json::object render_task(const state::TaskRecord& task, bool include_tags) {
  json::object out = task.doc();
  if (!include_tags) out.erase("tags");
  return out;
}

const state::TaskDefinitionRecord& runnable_task_definition(const state::ClusterState& state,
                                                            std::string_view identifier) {
  core::TaskDefinitionRef ref = core::parse_task_definition_ref(identifier);
  const state::TaskDefinitionRecord* definition =
      ref.revision ? state.task_definition(ref.family, *ref.revision)
                   : state.latest_active(ref.family);
  if (!definition || definition->status() == "DELETE_IN_PROGRESS") {
    throw core::client_error("Unable to find task definition '" + std::string(identifier) +
                             "'. Register it first, or name an existing family:revision.");
  }
  return *definition;
}

}  // namespace gantry::ecs
