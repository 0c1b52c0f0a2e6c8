#include "ecs/task_factory.h"

#include <chrono>
#include <cstdio>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"

namespace gantry::ecs {

using core::array_member;
using core::string_member;

namespace json = boost::json;

namespace {

std::string attribute_of(const state::ContainerInstanceRecord& instance, std::string_view name) {
  auto* attributes = instance.doc.if_contains("attributes");
  if (!attributes || !attributes->is_array()) return {};
  for (const auto& a : attributes->get_array()) {
    const auto* attribute = a.if_object();
    const auto* named = attribute ? attribute->if_contains("name") : nullptr;
    if (named && named->is_string() && named->get_string() == name) {
      return string_member(*attribute, "value");
    }
  }
  return {};
}

json::object eni_attachment(const json::object& network_configuration, core::Random& ids) {
  json::array details;
  const json::object* awsvpc = nullptr;
  if (auto* v = network_configuration.if_contains("awsvpcConfiguration"); v && v->is_object()) {
    awsvpc = &v->get_object();
  }
  if (awsvpc) {
    if (auto* subnets = array_member(*awsvpc, "subnets"); subnets && !subnets->empty()) {
      details.push_back(json::object{{"name", "subnetId"}, {"value", subnets->front()}});
    }
  }
  details.push_back(
      json::object{{"name", "networkInterfaceId"}, {"value", "eni-" + ids.hex(17)}});
  return {{"id", ids.uuid()},
          {"type", "ElasticNetworkInterface"},
          {"status", "PRECREATED"},
          {"details", std::move(details)}};
}

json::object task_overrides(const json::object& overrides) {
  json::object out = overrides;
  if (!out.contains("containerOverrides")) out["containerOverrides"] = json::array{};
  if (!out.contains("inferenceAcceleratorOverrides")) {
    out["inferenceAcceleratorOverrides"] = json::array{};
  }
  return out;
}

// 32 hex digits, as on ECS; the first 12 are the creation time in
// milliseconds. Tasks created together then sit together in the store's
// key index, so that a commit writes a few of its pages, not one per task.
std::string task_id(core::SystemTime now, core::Random& ids) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  char time[13];
  std::snprintf(time, sizeof time, "%012llx",
                static_cast<unsigned long long>(ms) & 0xffffffffffffULL);
  return time + ids.hex(20);
}

}  // namespace

NewTask make_task(const Context& context, const TaskLaunch& launch,
                  const TaskPlacementTarget& target) {
  core::Random& ids = context.ids;
  const json::object& definition = launch.definition->doc;
  const TaskRequirements& requirements = launch.requirements;
  std::string id = task_id(context.now, ids);
  std::string arn = core::task_arn(context.region, context.account_id, launch.cluster, id);

  state::TaskRecord task;
  task.cluster = launch.cluster;
  task.client_token = launch.client_token;
  task.reservation.cpu = requirements.cpu;
  task.reservation.memory = requirements.memory;
  task.reservation.tcp_ports = requirements.tcp_ports;
  task.reservation.udp_ports = requirements.udp_ports;
  task.reservation.gpu_ids = target.gpu_ids;

  json::object doc(json::object::size_type(32));  // every member below, without regrowing
  doc["taskArn"] = arn;
  doc["clusterArn"] = launch.cluster_arn;
  doc["taskDefinitionArn"] = definition.at("taskDefinitionArn");
  if (target.instance) {
    task.instance_id = target.instance->id();
    if (launch.launch_type != "FARGATE") doc["containerInstanceArn"] = target.instance->arn();
  }
  doc["overrides"] = task_overrides(launch.overrides);
  doc["lastStatus"] = "PROVISIONING";
  doc["desiredStatus"] = "RUNNING";
  doc["cpu"] = std::to_string(requirements.cpu);
  doc["memory"] = std::to_string(requirements.memory);

  json::array containers;
  size_t next_gpu = 0;
  const json::array& definitions = definition.at("containerDefinitions").as_array();
  for (size_t i = 0; i < definitions.size(); ++i) {
    const json::object& c = definitions[i].as_object();
    const ContainerRequirements& r = requirements.containers[i];
    json::object container{{"containerArn", core::container_arn(context.region, context.account_id,
                                                          launch.cluster, id, ids.uuid())},
                           {"taskArn", arn},
                           {"name", r.name},
                           {"image", string_member(c, "image")},
                           {"lastStatus", "PENDING"},
                           {"networkBindings", json::array{}},
                           {"networkInterfaces", json::array{}},
                           {"healthStatus", "UNKNOWN"},
                           {"cpu", std::to_string(r.cpu)}};
    if (r.memory) container["memory"] = std::to_string(*r.memory);
    if (r.memory_reservation) container["memoryReservation"] = std::to_string(*r.memory_reservation);
    if (r.gpu_count > 0) {
      json::array gpus;
      for (int g = 0; g < r.gpu_count && next_gpu < target.gpu_ids.size(); ++g) {
        gpus.push_back(json::string(target.gpu_ids[next_gpu++]));
      }
      container["gpuIds"] = std::move(gpus);
    }
    containers.push_back(std::move(container));
  }
  doc["containers"] = std::move(containers);

  if (!launch.started_by.empty()) doc["startedBy"] = launch.started_by;
  doc["version"] = 1;
  doc["createdAt"] = core::to_epoch_seconds(context.now);
  doc["group"] = launch.group;
  doc["launchType"] = launch.launch_type;
  if (!launch.capacity_provider_name.empty()) {
    doc["capacityProviderName"] = launch.capacity_provider_name;
  }
  if (launch.launch_type == "FARGATE") {
    doc["platformVersion"] = "1.4.0";
    doc["platformFamily"] = "Linux";
    doc["ephemeralStorage"] = json::object{{"sizeInGiB", 20}};
  }
  json::array attachments;
  if (string_member(definition, "networkMode") == "awsvpc") {
    attachments.push_back(eni_attachment(launch.network_configuration, ids));
  }
  doc["attachments"] = std::move(attachments);
  doc["healthStatus"] = "UNKNOWN";
  doc["tags"] = launch.tags;
  doc["enableExecuteCommand"] = launch.enable_execute_command;
  doc["inferenceAccelerators"] = json::array{};
  std::string zone =
      target.instance ? attribute_of(*target.instance, "ecs.availability-zone") : std::string();
  // A Fargate task always runs in a zone (its subnet's on AWS): the host's
  // when it names one, else the region's first.
  if (zone.empty() && launch.launch_type == "FARGATE") zone = context.region + "a";
  if (!zone.empty()) doc["availabilityZone"] = zone;
  task.set_doc(doc);
  return {std::move(task), std::move(doc)};
}

}  // namespace gantry::ecs
