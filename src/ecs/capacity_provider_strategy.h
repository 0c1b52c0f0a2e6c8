#pragma once
// A capacity provider strategy and ECS's split of tasks over it: the one
// provider with a base gets tasks until it runs `base` of them, then each
// further task goes to the provider furthest below its share of the
// weights ("Capacity provider strategies", Amazon ECS Developer Guide:
// base 2 weight 1 on FARGATE and weight 3 on FARGATE_SPOT runs 10 tasks as
// 4 and 6).
#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::ecs {

struct CapacityProviderItem {
  std::string capacity_provider;
  int64_t base = 0;    // 0 to 100000
  int64_t weight = 0;  // 0 to 1000
};

struct ProviderShare {
  std::string capacity_provider;
  int64_t count = 0;
};

// FARGATE and FARGATE_SPOT, which exist in every account; every other
// provider is an Auto Scaling group's, whose tasks launch as EC2.
bool is_fargate_provider(std::string_view name);

std::vector<CapacityProviderItem> strategy_of(const boost::json::array& items);

// Throws InvalidParameterException where ECS refuses the strategy itself:
// more than 6 providers, Fargate ones mixed with Auto Scaling group ones,
// a base on more than one, several providers all of weight 0.
void check_strategy_shape(const std::vector<CapacityProviderItem>& strategy);

// Where `count` new tasks go, in the strategy's order, providers that get
// none left out; `running` is how many tasks each provider runs already
// (a service's; none for RunTask), which the base and the weights count.
std::vector<ProviderShare> split_tasks(const std::vector<CapacityProviderItem>& strategy,
                                       int64_t count,
                                       const std::map<std::string, int64_t>& running = {});

}  // namespace gantry::ecs
