#include "ecs/launch_members.h"

#include "core/json_members.h"

namespace gantry::ecs {

using core::array_member;
using core::string_member;

void read_launch_members(const boost::json::object& doc, RunTasks& command) {
  command.launch_type = string_member(doc, "launchType");
  if (auto* strategy = array_member(doc, "capacityProviderStrategy")) {
    command.capacity_provider_strategy = strategy_of(*strategy);
  }
  if (auto* constraints = array_member(doc, "placementConstraints")) {
    auto& given = command.placement_constraints.emplace();
    for (const auto& c : *constraints) {
      given.push_back(
          {string_member(c.as_object(), "type"), string_member(c.as_object(), "expression")});
    }
  }
  if (auto* strategies = array_member(doc, "placementStrategy")) {
    for (const auto& s : *strategies) {
      command.placement_strategy.push_back(
          {string_member(s.as_object(), "type"), string_member(s.as_object(), "field")});
    }
  }
}

}  // namespace gantry::ecs
