#include "ecs/capacity_provider_strategy.h"

#include <algorithm>

#include "core/error.h"
#include "core/json_members.h"

namespace gantry::ecs {

namespace {

// API_CapacityProviderStrategyItem: "A capacity provider strategy may
// contain a maximum of 6 capacity providers."
constexpr size_t kMaxProviders = 6;

}  // namespace

bool is_fargate_provider(std::string_view name) {
  return name == "FARGATE" || name == "FARGATE_SPOT";
}

std::vector<CapacityProviderItem> strategy_of(const boost::json::array& items) {
  std::vector<CapacityProviderItem> out;
  for (const auto& item : items) {
    const boost::json::object& entry = item.as_object();
    out.push_back({core::string_member(entry, "capacityProvider"),
                   core::int_member(entry, "base", 0), core::int_member(entry, "weight", 0)});
  }
  return out;
}

void check_strategy_shape(const std::vector<CapacityProviderItem>& strategy) {
  if (strategy.size() > kMaxProviders) {
    throw core::invalid_parameter("A capacity provider strategy can contain at most 6 capacity "
                                  "providers, got " + std::to_string(strategy.size()) + ".");
  }
  auto fargate = [](const CapacityProviderItem& e) {
    return is_fargate_provider(e.capacity_provider);
  };
  if (std::ranges::any_of(strategy, fargate) && !std::ranges::all_of(strategy, fargate)) {
    throw core::invalid_parameter(
        "A capacity provider strategy can only contain Auto Scaling group capacity providers "
        "or Fargate capacity providers, not both.");
  }
  if (std::ranges::count_if(strategy, [](const auto& e) { return e.base > 0; }) > 1) {
    throw core::invalid_parameter(
        "Only one capacity provider in a strategy can have a base defined.");
  }
  if (strategy.size() > 1 &&
      std::ranges::none_of(strategy, [](const auto& e) { return e.weight > 0; })) {
    throw core::invalid_parameter(
        "At least one capacity provider in a capacity provider strategy must have a weight "
        "greater than zero.");
  }
}

std::vector<ProviderShare> split_tasks(const std::vector<CapacityProviderItem>& strategy,
                                       int64_t count,
                                       const std::map<std::string, int64_t>& running) {
  const size_t n = strategy.size();
  std::vector<int64_t> total(n, 0), added(n, 0);
  for (size_t i = 0; i < n; ++i) {
    auto found = running.find(strategy[i].capacity_provider);
    if (found != running.end()) total[i] = found->second;
  }
  // The base first.
  for (size_t i = 0; i < n && count > 0; ++i) {
    int64_t give = std::clamp<int64_t>(strategy[i].base - total[i], 0, count);
    total[i] += give;
    added[i] += give;
    count -= give;
  }
  // Then one task at a time to the provider furthest below its share of
  // the weights, counting the task: that keeps every provider within one
  // task of its share, however the tasks come (a service grows by starts of
  // up to 10). The strategy's order breaks ties; a lone provider takes every
  // task, whatever its weight.
  auto weight_of = [&](size_t i) { return n == 1 ? 1 : strategy[i].weight; };
  auto beyond_base = [&](size_t i) { return std::max<int64_t>(0, total[i] - strategy[i].base); };
  int64_t weights = 0, placed = 0;
  for (size_t i = 0; i < n; ++i) {
    weights += weight_of(i);
    placed += beyond_base(i);
  }
  for (; count > 0 && weights > 0; --count, ++placed) {
    // Scaled by the sum of weights to stay in integers.
    auto deficit = [&](size_t i) { return weight_of(i) * (placed + 1) - beyond_base(i) * weights; };
    size_t best = n;
    for (size_t i = 0; i < n; ++i) {
      if (weight_of(i) > 0 && (best == n || deficit(i) > deficit(best))) best = i;
    }
    ++total[best];
    ++added[best];
  }
  std::vector<ProviderShare> shares;
  for (size_t i = 0; i < n; ++i) {
    if (added[i] > 0) shares.push_back({strategy[i].capacity_provider, added[i]});
  }
  return shares;
}

}  // namespace gantry::ecs
