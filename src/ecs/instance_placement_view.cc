#include "ecs/instance_placement_view.h"

#include "ecs/container_instance_view.h"
#include "core/error.h"
#include "core/json_members.h"
#include "model/capacity_offer.h"

namespace gantry::ecs {

using core::string_member;

namespace json = boost::json;

scheduler::InstanceView instance_view(const state::ClusterState& state,
                                      const state::ContainerInstanceRecord& instance) {
  scheduler::InstanceView view = described_instance(instance);
  apply_usage(view, usage_of(state, instance));
  return view;
}

scheduler::InstanceView described_instance(const state::ContainerInstanceRecord& instance) {
  scheduler::InstanceView view;
  view.arn = instance.arn();
  view.id = instance.id();
  view.ec2_instance_id = string_member(instance.doc, "ec2InstanceId");
  view.status = instance.status();
  view.agent_connected = instance.agent_connected();
  if (auto* info = instance.doc.if_contains("versionInfo"); info && info->is_object()) {
    view.agent_version = string_member(info->get_object(), "agentVersion");
  }
  if (auto* at = instance.doc.if_contains("registeredAt"); at && at->is_number()) {
    view.registered_at = at->to_number<double>();
  }
  if (auto* attributes = instance.doc.if_contains("attributes");
      attributes && attributes->is_array()) {
    for (const auto& a : attributes->get_array()) {
      if (!a.is_object()) continue;
      view.attributes[string_member(a.get_object(), "name")] =
          string_member(a.get_object(), "value");
    }
  }
  bool ec2 = view.attributes.contains(std::string(model::kOffersEc2Attribute));
  bool fargate = view.attributes.contains(std::string(model::kOffersFargateAttribute));
  view.offers_ec2 = ec2 || !fargate;  // as model::capacity_offer() reads them
  view.offers_fargate = fargate;
  view.capacity_provider = string_member(instance.doc, "capacityProviderName");
  return view;
}

void apply_usage(scheduler::InstanceView& view, InstanceUsage usage, bool with_devices) {
  view.running_tasks_count = usage.running_tasks;
  view.remaining_cpu = usage.remaining_cpu;
  view.remaining_memory = usage.remaining_memory;
  if (with_devices) {
    view.used_tcp_ports = std::move(usage.used_tcp_ports);
    view.used_udp_ports = std::move(usage.used_udp_ports);
    view.free_gpu_ids = std::move(usage.free_gpu_ids);
  }
  view.task_groups = std::move(usage.task_groups);
}

}  // namespace gantry::ecs
