#include "model/task_definition_defaults.h"

namespace gantry::model {

namespace json = boost::json;

namespace {
void default_member(json::object& object, std::string_view name, json::value value) {
  if (!object.contains(name)) object[name] = std::move(value);
}
}  // namespace

void apply_task_definition_defaults(json::object& definition) {
  auto* mode = definition.if_contains("networkMode");
  // In awsvpc and host mode a container port is published as itself.
  const bool host_port_is_container_port =
      mode && mode->is_string() && (mode->get_string() == "awsvpc" || mode->get_string() == "host");

  if (auto* containers = definition.if_contains("containerDefinitions"); containers && containers->is_array()) {
    for (auto& item : containers->get_array()) {
      if (!item.is_object()) continue;
      json::object& container = item.get_object();
      default_member(container, "cpu", 0);
      default_member(container, "essential", true);
      default_member(container, "portMappings", json::array());
      default_member(container, "environment", json::array());
      default_member(container, "mountPoints", json::array());
      default_member(container, "volumesFrom", json::array());
      for (auto& mapping : container["portMappings"].as_array()) {
        if (!mapping.is_object()) continue;
        json::object& m = mapping.get_object();
        if (m.contains("containerPort")) {
          default_member(m, "protocol", "tcp");
          if (host_port_is_container_port) default_member(m, "hostPort", m["containerPort"]);
        }
      }
    }
  }
  default_member(definition, "volumes", json::array());
  default_member(definition, "placementConstraints", json::array());
}

}  // namespace gantry::model
