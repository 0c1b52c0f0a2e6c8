#pragma once
// CreateCapacityProvider, UpdateCapacityProvider and DeleteCapacityProvider
// as commands run inside the single writer. Each answers the provider's
// record as a change and its document as ECS answers it; a refusal throws
// core::ApiError and changes nothing. gantry adds no machines: what the
// Auto Scaling group settings ask for is stored and shown, not acted on.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "ecs/context.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct CreateCapacityProvider {
  boost::json::object request;  // ECS's CreateCapacityProviderRequest, checked against the model
};

struct UpdateCapacityProvider {
  boost::json::object request;  // ECS's UpdateCapacityProviderRequest
};

struct DeleteCapacityProvider {
  std::string capacity_provider;  // a name or ARN
};

struct CapacityProviderWritten {
  std::vector<state::Change> changes;
  boost::json::object capacity_provider;  // the ECS CapacityProvider shape, tags included
};

CapacityProviderWritten create_capacity_provider(const Context& context,
                                                 const CreateCapacityProvider& command);
CapacityProviderWritten update_capacity_provider(const Context& context,
                                                 const UpdateCapacityProvider& command);
// A provider still associated with a cluster, or named in a service's
// strategy, is not deleted: as ECS does, the answer (and the record) says
// updateStatus DELETE_FAILED and why, and the provider stays ACTIVE.
CapacityProviderWritten delete_capacity_provider(const Context& context,
                                                 const DeleteCapacityProvider& command);

}  // namespace gantry::ecs
