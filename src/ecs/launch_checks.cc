#include "ecs/launch_checks.h"

#include "core/error.h"
#include "core/json_members.h"

namespace gantry::ecs {

bool lists_string(const boost::json::value* list, std::string_view value) {
  if (!list || !list->is_array()) return false;
  for (const auto& item : list->get_array()) {
    if (item.is_string() && item.get_string() == value) return true;
  }
  return false;
}

void check_launch_type(const std::string& launch_type, bool with_strategy) {
  if (launch_type.empty()) return;
  if (with_strategy) {
    throw core::invalid_parameter(
        "Specifying both a launch type and capacity provider strategy is not supported. "
        "Remove one and try again.");
  }
  if (launch_type != "EC2" && launch_type != "FARGATE") {
    throw core::invalid_parameter("launchType " + launch_type +
                                  " is not supported; use EC2 or FARGATE.");
  }
}

void check_provider_associated(const state::ClusterRecord& cluster, std::string_view provider) {
  if (lists_string(cluster.doc.if_contains("capacityProviders"), provider)) return;
  throw core::invalid_parameter(
      "The specified capacity provider strategy cannot contain a capacity provider that is "
      "not associated with the cluster. Associate " +
      std::string(provider) +
      " with the cluster (PutClusterCapacityProviders) or specify a valid capacity "
      "provider and try again.");
}

void check_network_configuration(const boost::json::object& definition, bool given) {
  bool awsvpc = core::string_member(definition, "networkMode") == "awsvpc";
  if (awsvpc && !given) {
    throw core::invalid_parameter(
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  if (!awsvpc && given) {
    throw core::invalid_parameter(
        "Network Configuration is not valid for the given networkMode of this task "
        "definition.");
  }
}

}  // namespace gantry::ecs
