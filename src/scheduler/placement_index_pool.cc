#include "scheduler/placement_index_pool.h"

#include <algorithm>

#include "scheduler/attribute_fit.h"
#include "scheduler/eligibility.h"

namespace gantry::scheduler {
namespace {

bool has_distinct_instance(const std::vector<PlacementConstraint>& constraints) {
  return std::any_of(constraints.begin(), constraints.end(),
                     [](const auto& c) { return c.type == "distinctInstance"; });
}

// A query names task:group literally to read it (subjects are bare words);
// a quoted argument that merely contains it costs only the slower check.
bool reads_groups(const std::vector<PlacementConstraint>& constraints) {
  return std::any_of(constraints.begin(), constraints.end(), [](const auto& c) {
    return c.expression.find("task:group") != std::string::npos;
  });
}

std::vector<int32_t> fixed_ports(std::vector<int32_t> ports) {
  std::erase(ports, 0);  // a dynamic port never conflicts
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

bool ports_free(const std::set<int32_t>& used, const std::vector<int32_t>& wanted) {
  return std::none_of(wanted.begin(), wanted.end(), [&](int32_t p) { return used.contains(p); });
}

// Length-prefixed, so that no two different requests share a key.
void append(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace

int64_t PoolOrder::score(const InstanceView& view) const {
  switch (kind) {
    case OrderKind::Cpu:
      return view.remaining_cpu;
    case OrderKind::Memory:
      return view.remaining_memory;
    case OrderKind::Group:
      return static_cast<int64_t>(view.task_groups.count(group));
  }
  return 0;
}

Resources free_resources(const InstanceView& view) {
  return {view.remaining_cpu, view.remaining_memory,
          static_cast<int64_t>(view.free_gpu_ids.size())};
}

std::string Pool::key_of(const PlacementRequest& request) {
  std::string key;
  append(key, request.launch_type.empty() ? "EC2" : request.launch_type);
  append(key, request.capacity_provider);
  key += std::to_string(request.required_attributes.size());
  for (const auto& name : request.required_attributes) append(key, name);
  key += std::to_string(request.constraints.size());
  for (const auto& c : request.constraints) {
    append(key, c.type);
    append(key, c.expression);
  }
  append(key, has_distinct_instance(request.constraints) ? request.group : "");
  for (const auto* ports : {&request.tcp_host_ports, &request.udp_host_ports}) {
    const auto fixed = fixed_ports(*ports);
    key += std::to_string(fixed.size());
    for (int32_t port : fixed) append(key, std::to_string(port));
  }
  return key;
}

Pool::Pool(const PlacementRequest& request, ConstraintFilter constraints,
           const std::vector<InstanceView>& instances)
    : launch_type_(request.launch_type),
      capacity_provider_(request.capacity_provider),
      required_attributes_(request.required_attributes),
      constraints_(std::move(constraints)),
      tcp_ports_(fixed_ports(request.tcp_host_ports)),
      udp_ports_(fixed_ports(request.udp_host_ports)),
      distinct_(has_distinct_instance(request.constraints)),
      has_fixed_ports_(!tcp_ports_.empty() || !udp_ports_.empty()),
      reads_task_groups_(reads_groups(request.constraints)) {
  if (distinct_) group_ = request.group;
  for (uint32_t slot = 0; slot < instances.size(); ++slot) update(slot, instances[slot]);
}

bool Pool::admits(const InstanceView& view) const {
  return is_eligible(view, launch_type_, capacity_provider_) &&
         !check_required_attributes(view, required_attributes_) &&
         !constraints_.check(view, group_) && ports_free(view.used_tcp_ports, tcp_ports_) &&
         ports_free(view.used_udp_ports, udp_ports_);
}

void Pool::update(uint32_t slot, const InstanceView& view) {
  if (position_.size() <= slot) position_.resize(slot + 1, -1);
  const bool admitted = admits(view);
  int32_t& position = position_[slot];
  if (admitted && position < 0) {
    position = static_cast<int32_t>(members_.size());
    members_.push_back(slot);
  } else if (!admitted && position >= 0) {
    position_[members_.back()] = position;  // swap-remove keeps members_ dense
    members_[static_cast<size_t>(position)] = members_.back();
    members_.pop_back();
    position = -1;
  }
  for (auto& order : orders_) {
    if (admitted)
      order->tree.assign(slot, order->score(view), free_resources(view));
    else
      order->tree.erase(slot);
  }
}

PoolOrder* Pool::find_order(OrderKind kind, const std::string& group) {
  for (auto& order : orders_)
    if (order->kind == kind && (kind != OrderKind::Group || order->group == group))
      return order.get();
  return nullptr;
}

PoolOrder& Pool::add_order(OrderKind kind, const std::string& group,
                           const std::vector<InstanceView>& instances) {
  auto order = std::make_unique<PoolOrder>();
  order->kind = kind;
  if (kind == OrderKind::Group) order->group = group;
  for (uint32_t slot : members_)
    order->tree.assign(slot, order->score(instances[slot]), free_resources(instances[slot]));
  orders_.push_back(std::move(order));
  return *orders_.back();
}

}  // namespace gantry::scheduler
