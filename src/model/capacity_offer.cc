#include "model/capacity_offer.h"

namespace gantry::model {

CapacityOffer capacity_offer(const boost::json::array& attributes) {
  bool ec2 = false;
  bool fargate = false;
  std::string capacity_provider;
  for (const auto& attribute : attributes) {
    const auto* object = attribute.if_object();
    const auto* name = object ? object->if_contains("name") : nullptr;
    if (!name || !name->is_string()) continue;
    ec2 = ec2 || name->get_string() == kOffersEc2Attribute;
    fargate = fargate || name->get_string() == kOffersFargateAttribute;
    const auto* value = object->if_contains("value");
    if (name->get_string() == kCapacityProviderAttribute && value && value->is_string()) {
      capacity_provider = value->get_string();
    }
  }
  return {ec2 || !fargate, fargate, std::move(capacity_provider)};
}

}  // namespace gantry::model
