#pragma once
// What every path that names a capacity provider shares: the built-in
// FARGATE and FARGATE_SPOT, the documents DescribeCapacityProviders shows,
// and the rules for associating providers with clusters.
#include <array>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "state/cluster_state.h"

namespace gantry::ecs {

// In every account and region, never created, updated or deleted
// (DeleteCapacityProvider: "The FARGATE and FARGATE_SPOT capacity providers
// are reserved and can't be deleted").
inline constexpr std::array<std::string_view, 2> kBuiltinCapacityProviders = {"FARGATE",
                                                                              "FARGATE_SPOT"};
bool is_builtin_capacity_provider(std::string_view name);

// A built-in's CapacityProvider document: ACTIVE, no autoScalingGroupProvider.
boost::json::object builtin_capacity_provider(std::string_view region, std::string_view account,
                                              std::string_view name);

// A document as DescribeCapacityProviders shows it: its tags only when
// `include` asked for TAGS (an empty list otherwise, as ECS shows).
boost::json::object capacity_provider_view(const boost::json::object& doc, bool with_tags);

// Whether a cluster may use `name`: a built-in, or a created one that is
// ACTIVE.
bool capacity_provider_usable(const state::ClusterState& state, std::string_view name);

// A cluster's capacityProviders (CreateCluster, PutClusterCapacityProviders):
// each usable and named once; throws InvalidParameterException.
void check_capacity_providers_exist(const state::ClusterState& state,
                                    const boost::json::array& providers);

// PutClusterCapacityProviders may not drop a provider that a service of the
// cluster uses in its capacityProviderStrategy; throws ResourceInUseException.
void check_dropped_providers_unused(const state::ClusterState& state, std::string_view cluster,
                                    const boost::json::array& kept);

// The first ACTIVE cluster that lists `name` in its capacityProviders.
std::optional<std::string> cluster_associated_with(const state::ClusterState& state,
                                                   std::string_view name);
// The first service (not INACTIVE) whose strategy names `name`, as
// "cluster/service".
std::optional<std::string> service_using(const state::ClusterState& state, std::string_view name);

}  // namespace gantry::ecs
