#pragma once
// One registration function per API resource, each in its own file.
#include "ecs/placement_indexes.h"
#include "api/router.h"
#include "core/random.h"
#include "state/control_state.h"
#include "state/task_stats.h"

namespace gantry::api {

struct Services {
  state::ControlState& state;
  // Ids for new tasks and instances; used inside mutations only, so only
  // ever from the writer thread.
  core::Random& ids;
  // The writer's placement indexes (RunTask's mutations only).
  ecs::PlacementIndexes& placement;
  // The agent channel's URL, as DiscoverPollEndpoint announces it.
  std::string agent_endpoint;
};

void register_cluster_handlers(Router& router, Services services);
void register_task_definition_handlers(Router& router, Services services);
void register_capacity_provider_handlers(Router& router, Services services);
void register_tag_handlers(Router& router, Services services);
void register_account_setting_handlers(Router& router, Services services);
void register_container_instance_handlers(Router& router, Services services);
void register_attribute_handlers(Router& router, Services services);
void register_task_launch_handlers(Router& router, Services services);
void register_task_handlers(Router& router, Services services);
void register_task_state_change_handlers(Router& router, Services services);
void register_service_handlers(Router& router, Services services);
void register_service_deployment_handlers(Router& router, Services services);
void register_task_set_handlers(Router& router, Services services);
// gantry's own DescribeTaskStats (`gantry stats`): not an ECS operation,
// so not among register_all_handlers'.
void register_task_stats_handlers(Router& router, Services services, state::TaskStats& stats);
// gantry's own DescribeFargateHosts and InterruptSpotTasks (`gantry fargate`).
void register_fargate_handlers(Router& router, Services services);
// gantry's own ListJobs, DescribeJobs, DescribeGpus and ReturnGpusToService
// (`gantry jobs`, `gantry gpus`).
void register_job_handlers(Router& router, Services services);

inline void register_all_handlers(Router& router, Services services) {
  register_cluster_handlers(router, services);
  register_task_definition_handlers(router, services);
  register_capacity_provider_handlers(router, services);
  register_tag_handlers(router, services);
  register_account_setting_handlers(router, services);
  register_container_instance_handlers(router, services);
  register_attribute_handlers(router, services);
  register_task_launch_handlers(router, services);
  register_task_handlers(router, services);
  register_task_state_change_handlers(router, services);
  register_service_handlers(router, services);
  register_service_deployment_handlers(router, services);
  register_task_set_handlers(router, services);
  register_fargate_handlers(router, services);
  register_job_handlers(router, services);
}

}  // namespace gantry::api
