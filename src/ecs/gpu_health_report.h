#pragma once
// An agent's report of its GPUs' health, kept on its container instance:
// what ECS shows as the ACCELERATED_COMPUTE health check, and what
// placement reads to leave unhealthy GPUs out.
#include <string>
#include <vector>

#include "ecs/context.h"
#include "model/gpu_health.h"
#include "state/cluster_state.h"

namespace gantry::ecs {

struct ReportGpuHealth {
  std::string cluster;
  std::string instance_id;
  std::vector<model::GpuHealth> gpus;
};

// No change when the instance is gone or the report says what it held;
// GPUs the instance did not register are ignored.
std::vector<state::Change> report_gpu_health(const Context& context,
                                             const ReportGpuHealth& command);

}  // namespace gantry::ecs
