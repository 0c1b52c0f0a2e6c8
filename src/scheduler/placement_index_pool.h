#pragma once
// A pool of a PlacementIndex: the slots whose stored view passes every check
// of a kind of request except CPU, memory and GPUs, i.e. eligibility (launch
// type), requiresAttributes, the constraints (with the group, for
// distinctInstance) and the fixed host ports. Every one of those is a
// function of the view alone, so a pool stays exact under upsert by checking
// the upserted view again; the resources left are what its orders index.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/constraint_filter.h"
#include "scheduler/placement.h"
#include "scheduler/placement_index_tree.h"

namespace gantry::scheduler {

// What an order ranks by: place()'s score of one strategy.
enum class OrderKind : uint8_t {
  Cpu,     // binpack cpu: remaining CPU
  Memory,  // binpack memory: remaining memory
  Group,   // spread instanceId: tasks of `group` on the instance
};

struct PoolOrder {
  OrderKind kind = OrderKind::Cpu;
  std::string group;
  FitTree tree;
  uint64_t last_used = 0;

  int64_t score(const InstanceView& view) const;
};

// What an instance has left for the next task.
Resources free_resources(const InstanceView& view);

class Pool {
 public:
  // The key that pools requests with the same static checks together.
  static std::string key_of(const PlacementRequest& request);

  Pool(const PlacementRequest& request, ConstraintFilter constraints,
       const std::vector<InstanceView>& instances);

  // Whether the view passes the pool's static checks.
  bool admits(const InstanceView& view) const;
  // Files the slot's new view: in or out of the pool, and in its orders.
  void update(uint32_t slot, const InstanceView& view);

  // The order, built on first use; nullptr when it is not cached.
  PoolOrder* find_order(OrderKind kind, const std::string& group);
  PoolOrder& add_order(OrderKind kind, const std::string& group,
                       const std::vector<InstanceView>& instances);
  std::vector<std::unique_ptr<PoolOrder>>& orders() { return orders_; }

  const ConstraintFilter& constraints() const { return constraints_; }
  // The members in no particular order: random draws among them.
  const std::vector<uint32_t>& members() const { return members_; }
  // Whether a task placed on an instance keeps the next one of the same
  // request off it (it holds the group, or the fixed ports are taken).
  bool excludes_after_placement() const { return distinct_ || has_fixed_ports_; }
  // Whether a memberOf query reads task:group, which placements change.
  bool reads_task_groups() const { return reads_task_groups_; }

  uint64_t last_used = 0;

 private:
  std::string launch_type_;
  std::string capacity_provider_;
  std::vector<std::string> required_attributes_;
  ConstraintFilter constraints_;
  std::string group_;               // the request's group where distinctInstance reads it, else ""
  std::vector<int32_t> tcp_ports_;  // fixed (non-zero) host ports
  std::vector<int32_t> udp_ports_;
  bool distinct_ = false;
  bool has_fixed_ports_ = false;
  bool reads_task_groups_ = false;

  std::vector<uint32_t> members_;
  std::vector<int32_t> position_;  // per slot: index in members_, or -1
  std::vector<std::unique_ptr<PoolOrder>> orders_;
};

}  // namespace gantry::scheduler
