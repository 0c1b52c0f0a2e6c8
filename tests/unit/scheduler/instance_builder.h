#pragma once
// Small in-memory clusters for the scheduler tests.
#include <string>
#include <vector>

#include "scheduler/placement.h"

namespace gantry::scheduler::testing {

inline InstanceView make_instance(const std::string& id, int64_t cpu = 1024,
                                  int64_t memory = 2048) {
  InstanceView instance;
  instance.id = id;
  instance.arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/" + id;
  instance.ec2_instance_id = "i-" + id;
  instance.status = "ACTIVE";
  instance.agent_connected = true;
  instance.agent_version = "1.70.2";
  instance.remaining_cpu = cpu;
  instance.remaining_memory = memory;
  return instance;
}

inline PlacementRequest make_request(int count, int64_t cpu = 128, int64_t memory = 128) {
  PlacementRequest request;
  request.count = count;
  request.group = "family:web";
  request.launch_type = "EC2";
  request.cpu = cpu;
  request.memory = memory;
  return request;
}

inline std::vector<size_t> chosen(const PlacementResult& result) {
  std::vector<size_t> out;
  for (const auto& p : result.placements) out.push_back(p.instance);
  return out;
}

}  // namespace gantry::scheduler::testing
