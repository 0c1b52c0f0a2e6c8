#pragma once
// What an agent offers when it registers: this machine's CPU and memory,
// the ports it keeps for itself, and the attributes placement matches on.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gantry::agent {

struct OfferOptions {
  std::optional<int64_t> cpu_units;   // default: 1024 per core
  std::optional<int64_t> memory_mib;  // default: the machine's memory
  // As valueless attributes (model/capacity_offer.h).
  bool offers_ec2 = true;
  bool offers_fargate = false;
  // The EC2 capacity provider this instance belongs to (empty: none).
  std::string capacity_provider;
  std::vector<std::pair<std::string, std::string>> attributes;  // the operator's --attribute k=v
  std::vector<std::string> gpu_ids;
};

// The body of RegisterContainerInstance (without cluster and ARN).
boost::json::object registration_request(const OfferOptions& options);

}  // namespace gantry::agent
