#include "scheduler/eligibility.h"

namespace gantry::scheduler {

bool is_eligible(const InstanceView& instance, std::string_view launch_type,
                 std::string_view capacity_provider) {
  if (instance.status != "ACTIVE") return false;
  if (launch_type == "FARGATE") return instance.offers_fargate;
  if (!capacity_provider.empty() && instance.capacity_provider != capacity_provider) return false;
  return (launch_type.empty() || launch_type == "EC2") && instance.offers_ec2;
}

}  // namespace gantry::scheduler
