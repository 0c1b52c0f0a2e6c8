#include "ecs/lookups.h"

#include "core/arn.h"
#include "core/error.h"

namespace gantry::ecs {

const state::ClusterRecord& active_cluster(const state::ClusterState& state,
                                           std::string_view cluster) {
  const state::ClusterRecord* record = state.cluster(core::cluster_name_from(cluster));
  if (!record || !record->active()) throw core::cluster_not_found();
  return *record;
}

const state::TaskRecord* find_task(const state::ClusterState& state, std::string_view cluster,
                                   std::string_view identifier) {
  return state.task(cluster, core::scoped_id_from(identifier, "task", cluster));
}

const state::ContainerInstanceRecord* find_instance(const state::ClusterState& state,
                                                    std::string_view cluster,
                                                    std::string_view identifier) {
  return state.instance(cluster, core::scoped_id_from(identifier, "container-instance", cluster));
}

}  // namespace gantry::ecs
