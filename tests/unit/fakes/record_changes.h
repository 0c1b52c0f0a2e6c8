#pragma once
// The changes that put the records most command and controller tests start
// from: an ACTIVE cluster of account 1, and a task definition revision.
#include <boost/json.hpp>
#include <string>

#include "state/cluster_state.h"

namespace gantry::testing {

inline state::Change active_cluster_change(const std::string& name, const std::string& region) {
  return state::put_change(state::cluster_key(name),
                           state::ClusterRecord{boost::json::object{
                               {"clusterName", name},
                               {"clusterArn", "arn:aws:ecs:" + region + ":1:cluster/" + name},
                               {"status", "ACTIVE"}}});
}

// The key comes from the definition's own family and revision.
inline state::Change task_definition_change(boost::json::object definition) {
  std::string family(definition.at("family").as_string());
  int64_t revision = definition.at("revision").to_number<int64_t>();
  return state::put_change(state::task_definition_key(family, revision),
                           state::TaskDefinitionRecord{std::move(definition), {}});
}

}  // namespace gantry::testing
