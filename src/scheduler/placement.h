#pragma once
// Placement as a pure function (after Nomad's scheduler): a snapshot of a
// cluster's container instances and a request in, placements or failures
// out. It never writes, sleeps or reads the clock; randomness is injected.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/random.h"

namespace gantry::scheduler {

// The task groups ("family:web", "service:api", ...) of an instance's tasks
// that are not stopped, with how many tasks each: a count per group, not an
// entry per task, so a view of a busy instance stays cheap to copy.
class TaskGroups {
 public:
  TaskGroups() = default;
  TaskGroups(std::initializer_list<std::string> groups) {
    for (const auto& group : groups) insert(group);
  }
  int64_t count(std::string_view group) const {
    auto it = counts_.find(group);
    return it == counts_.end() ? 0 : it->second;
  }
  bool contains(std::string_view group) const { return counts_.contains(group); }
  void insert(const std::string& group, int64_t tasks = 1) {
    if (tasks > 0) counts_[group] += tasks;
  }
  void erase_one(std::string_view group) {
    auto it = counts_.find(group);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }
  bool empty() const { return counts_.empty(); }
  void clear() { counts_.clear(); }
  // (group, tasks) in group order.
  auto begin() const { return counts_.begin(); }
  auto end() const { return counts_.end(); }
  bool operator==(const TaskGroups&) const = default;

 private:
  std::map<std::string, int64_t, std::less<>> counts_;
};

// One container instance as placement sees it: what it has left, what
// describes it, and what already runs there.
struct InstanceView {
  std::string arn;              // container instance ARN
  std::string id;               // its id (the last ARN segment)
  std::string ec2_instance_id;  // "instanceId" for spread, "ec2InstanceId" for queries
  std::string status;           // ACTIVE, DRAINING, ...
  bool agent_connected = false;
  std::string agent_version;
  double registered_at = 0;  // seconds since the epoch
  int64_t running_tasks_count = 0;
  bool offers_ec2 = true;
  bool offers_fargate = false;
  std::string capacity_provider;  // the EC2 capacity provider it registered with, if any
  std::map<std::string, std::string> attributes;  // name -> value ("" when valueless)

  int64_t remaining_cpu = 0;
  int64_t remaining_memory = 0;
  std::set<int32_t> used_tcp_ports;  // reserved and taken host ports
  std::set<int32_t> used_udp_ports;
  std::vector<std::string> free_gpu_ids;

  TaskGroups task_groups;
};

struct PlacementConstraint {
  std::string type;        // distinctInstance | memberOf
  std::string expression;  // memberOf's cluster query
};

struct PlacementStrategy {
  std::string type;   // binpack | spread | random
  std::string field;  // binpack: cpu | memory; spread: instanceId | host | attribute:<name>
};

struct PlacementRequest {
  int count = 1;
  std::string group;  // the group the new tasks join
  std::string launch_type;  // EC2 | FARGATE: which instances offer the capacity
  std::string capacity_provider;  // EC2 only: instances of this capacity provider; "": any
  int64_t cpu = 0;
  int64_t memory = 0;
  std::vector<int32_t> tcp_host_ports;  // fixed host ports each task needs
  std::vector<int32_t> udp_host_ports;
  int gpu_count = 0;
  std::vector<std::string> required_attributes;  // requiresAttributes names
  std::vector<PlacementConstraint> constraints;
  std::vector<PlacementStrategy> strategies;  // applied in order; ties fall to the next
};

struct Placement {
  size_t instance = 0;  // index into the instances given to place()
  std::vector<std::string> gpu_ids;
};

// ECS's RunTask failure: the instance's ARN and why it was rejected
// ("RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS", "RESOURCE:GPU",
// "ATTRIBUTE"). One failure per rejected instance, in the instances' order,
// when a task cannot be placed anywhere. Instances that are not ACTIVE or do
// not offer the launch type are skipped without a failure; when that leaves
// no failure at all (no instances, or all skipped), the one failure is
// {"", "MISSING"}.
struct Failure {
  std::string arn;
  std::string reason;
};

struct PlacementResult {
  std::vector<Placement> placements;  // at most request.count
  std::vector<Failure> failures;      // empty when every task was placed
};

// Places request.count tasks one after another, each seeing the resources,
// ports, GPUs and groups the earlier ones took (running_tasks_count is left
// as given: new tasks are not running yet). Per task: skip ineligible
// instances; reject by required attributes, then constraints, then
// resources; rank the rest by the strategies in order (none: random), the
// lowest index taking any tie left. Stops at the first task that cannot be
// placed, returning the placements so far and that task's failures.
// Throws core::ApiError (InvalidParameterException) for a malformed
// constraint, cluster query or strategy, before placing anything.
PlacementResult place(const std::vector<InstanceView>& instances, const PlacementRequest& request,
                      core::Random& random);

}  // namespace gantry::scheduler
