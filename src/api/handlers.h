#pragma once
// One registration function per API resource, each in its own file.
#include "api/router.h"
#include "state/control_state.h"

namespace gantry::api {

struct Services {
  state::ControlState& state;
};

void register_cluster_handlers(Router& router, Services services);
void register_task_definition_handlers(Router& router, Services services);
void register_tag_handlers(Router& router, Services services);
void register_account_setting_handlers(Router& router, Services services);

inline void register_all_handlers(Router& router, Services services) {
  register_cluster_handlers(router, services);
  register_task_definition_handlers(router, services);
  register_tag_handlers(router, services);
  register_account_setting_handlers(router, services);
}

}  // namespace gantry::api
