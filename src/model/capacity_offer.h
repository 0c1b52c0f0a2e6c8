#pragma once
// The capacity an agent offers, as attributes it registers with: EC2
// capacity to the cluster it joins, FARGATE capacity to the pool that every
// cluster's FARGATE tasks draw on. An instance that names neither offers EC2.
#include <boost/json.hpp>

#include <string>
#include <string_view>

namespace gantry::model {

inline constexpr std::string_view kOffersEc2Attribute = "gantry.offers-ec2";
inline constexpr std::string_view kOffersFargateAttribute = "gantry.offers-fargate";
// The EC2 capacity provider an instance belongs to (`gantry agent
// --capacity-provider NAME`), its value. On ECS that is the Auto Scaling
// group's provider; gantry has no groups, so the agent says it. The
// instance then shows it as capacityProviderName.
inline constexpr std::string_view kCapacityProviderAttribute = "gantry.capacity-provider";

struct CapacityOffer {
  bool ec2 = true;
  bool fargate = false;
  std::string capacity_provider;  // empty: none
};

// From ECS Attribute shapes ({"name": ..., "value": ...}); others are ignored.
CapacityOffer capacity_offer(const boost::json::array& attributes);

}  // namespace gantry::model
