#include "ecs/gpu_health_report.h"

#include <algorithm>

#include "ecs/container_instance_view.h"
#include "state/record_keys.h"

namespace gantry::ecs {

namespace json = boost::json;

namespace {

std::vector<model::GpuHealth> stored_health(const state::ContainerInstanceRecord& instance) {
  std::vector<model::GpuHealth> gpus;
  for (const auto& stored : instance.gpu_health) {
    if (stored.is_object()) gpus.push_back(model::gpu_health_from(stored.get_object()));
  }
  return gpus;
}

}  // namespace

std::vector<state::Change> report_gpu_health(const Context& context,
                                             const ReportGpuHealth& command) {
  const state::ContainerInstanceRecord* instance =
      context.state.instance(command.cluster, command.instance_id);
  if (!instance) return {};
  std::vector<std::string> registered = registered_strings(instance->doc, "GPU");
  std::vector<model::GpuHealth> reported;
  for (const auto& gpu : command.gpus) {
    if (std::ranges::find(registered, gpu.uuid) != registered.end()) reported.push_back(gpu);
  }
  if (reported == stored_health(*instance)) return {};
  state::ContainerInstanceRecord record = *instance;
  record.gpu_health.clear();
  for (const auto& gpu : reported) {
    json::object stored = model::gpu_health_document(gpu);
    stored["reportedAt"] = context.now_seconds();  // when the control plane learnt it
    record.gpu_health.push_back(std::move(stored));
  }
  return {state::put_change(state::container_instance_key(command.cluster, command.instance_id),
                            std::move(record))};
}

}  // namespace gantry::ecs
