#pragma once
// Checks every way of launching tasks shares (RunTask, StartTask, a
// service), with ECS's refusals.
#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "state/records.h"

namespace gantry::ecs {

// Whether `list` is an array holding the string `value`.
bool lists_string(const boost::json::value* list, std::string_view value);

// A launch type names EC2 or FARGATE (or is empty), and not beside a
// capacity provider strategy.
void check_launch_type(const std::string& launch_type, bool with_strategy);

// Throws InvalidParameterException unless `provider` is one of the
// cluster's capacityProviders.
void check_provider_associated(const state::ClusterRecord& cluster, std::string_view provider);

// A network configuration is given exactly when the definition's
// networkMode is awsvpc.
void check_network_configuration(const boost::json::object& definition, bool given);

}  // namespace gantry::ecs
