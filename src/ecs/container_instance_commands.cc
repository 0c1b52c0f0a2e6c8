#include "ecs/container_instance_commands.h"

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/capacity_providers.h"
#include "ecs/container_instance_view.h"
#include "ecs/instance_attributes.h"
#include "ecs/lookups.h"
#include "ecs/tags.h"
#include "ecs/task_transitions.h"
#include "model/capacity_offer.h"
#include "model/instance_lifecycle.h"

namespace gantry::ecs {

using core::array_member;
using core::int_member;
using core::string_member;
using model::InstanceStatus;

namespace json = boost::json;
using state::ClusterState;
using state::ContainerInstanceRecord;

namespace {

// The EC2 identity document, when the agent sent one, names the instance.
json::object identity_document(const std::string& text) {
  if (text.empty()) return {};
  json::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    throw core::invalid_parameter("instanceIdentityDocument is not a JSON document.");
  }
  return std::move(doc.as_object());
}

// registeredResources from totalResources and the GPUs among platformDevices,
// always with CPU, MEMORY, PORTS and PORTS_UDP present as ECS shows them.
json::array registered_resources(const RegisterInstance& command) {
  json::array resources;
  json::array gpus;
  auto add_missing = [&](json::object resource) {
    for (const auto& r : resources) {
      if (r.as_object().at("name") == resource.at("name")) return;
    }
    resources.push_back(std::move(resource));
  };
  {
    for (const auto& item : command.total_resources) {
      const json::object& r = item.as_object();
      std::string name = string_member(r, "name");
      if (name == "CPU" || name == "MEMORY") {
        if (int_member(r, "integerValue", 0) < 0) {
          throw core::invalid_parameter("The " + name + " resource cannot be negative.");
        }
      }
      if (name == "GPU") {
        if (auto* ids = array_member(r, "stringSetValue")) {
          for (const auto& id : *ids) gpus.push_back(id);
        }
        continue;
      }
      resources.push_back(r);
    }
  }
  {
    for (const auto& d : command.platform_devices) {
      if (string_member(d.as_object(), "type") == "GPU") gpus.push_back(d.as_object().at("id"));
    }
  }
  add_missing(integer_resource("CPU", 0));
  add_missing(integer_resource("MEMORY", 0));
  add_missing(string_set_resource("PORTS", {}));
  add_missing(string_set_resource("PORTS_UDP", {}));
  if (!gpus.empty()) resources.push_back(string_set_resource("GPU", gpus));
  return resources;
}

json::array registered_attributes(const RegisterInstance& command, const json::object& identity) {
  json::array attributes;
  if (!command.attributes.empty()) {
    for (const auto& a : command.attributes) validate_attribute(a.as_object());
    attributes = merge_attributes({}, command.attributes);
  }
  // ECS adds these from the instance's identity.
  json::array derived;
  if (auto zone = string_member(identity, "availabilityZone"); !zone.empty()) {
    derived.push_back(json::object{{"name", "ecs.availability-zone"}, {"value", zone}});
  }
  if (auto type = string_member(identity, "instanceType"); !type.empty()) {
    derived.push_back(json::object{{"name", "ecs.instance-type"}, {"value", type}});
  }
  return merge_attributes(derived, attributes);
}

// An instance may name an ACTIVE created provider: the built-in FARGATE
// ones are not EC2 capacity.
void check_capacity_provider(const ClusterState& state, const std::string& name) {
  if (name.empty()) return;
  if (is_builtin_capacity_provider(name) || !capacity_provider_usable(state, name)) {
    throw core::invalid_parameter(
        "The capacity provider '" + name + "' named by the " +
        std::string(model::kCapacityProviderAttribute) +
        " attribute is not an ACTIVE capacity provider of this account. Create it "
        "(CreateCapacityProvider) or name another.");
  }
}

}  // namespace

InstanceChanged register_instance(const Context& context, const RegisterInstance& command) {
  const ClusterState& state = context.state;
  core::Random& ids = context.ids;
  // A host that offers FARGATE capacity alone belongs to no cluster: it
  // serves every cluster's FARGATE tasks, whichever cluster its agent named.
  const model::CapacityOffer offer = model::capacity_offer(command.attributes);
  std::string cluster_name = !offer.ec2 ? std::string(state::kFargatePool)
                                        : active_cluster(state, command.cluster).name();
  check_capacity_provider(state, offer.capacity_provider);
  json::object identity = identity_document(command.instance_identity_document);
  std::string ec2_id = string_member(identity, "instanceId");

  // An agent re-registers after a restart by its ARN, or by its EC2 id.
  const ContainerInstanceRecord* existing = nullptr;
  if (const std::string& arn = command.container_instance_arn; !arn.empty()) {
    existing = find_instance(state, cluster_name, arn);
    if (!existing || !model::is_registered(existing->status())) {
      throw core::invalid_parameter("The container instance '" + arn +
                                    "' is not registered in cluster '" + cluster_name +
                                    "'; register without containerInstanceArn.");
    }
  } else if (!ec2_id.empty()) {
    for (const auto& [id, instance] : state.instances(cluster_name)) {
      auto* known = instance->doc.if_contains("ec2InstanceId");
      if (known && *known == ec2_id.c_str() && model::is_registered(instance->status())) {
        existing = instance.get();
      }
    }
  }

  validate_tags(command.tags);
  json::array tags = command.tags;
  ContainerInstanceRecord record{cluster_name, {}};
  if (existing) {
    record.doc = existing->doc;
    record.doc["version"] = int_member(existing->doc, "version", 1) + 1;
    if (!tags.empty()) record.doc["tags"] = merge_tags(existing->doc.at("tags").as_array(), tags);
  } else {
    std::string id = ids.hex(32);
    record.doc["containerInstanceArn"] =
        core::container_instance_arn(context.region, context.account_id, cluster_name, id);
    record.doc["ec2InstanceId"] = ec2_id.empty() ? "i-" + ids.hex(17) : ec2_id;
    record.doc["version"] = 1;
    record.doc["status"] = model::instance_status_name(InstanceStatus::kActive);
    record.doc["agentUpdateStatus"] = "UPDATED";
    record.doc["registeredAt"] = core::to_epoch_seconds(context.now);
    record.doc["attachments"] = json::array{};
    record.doc["tags"] = std::move(tags);
  }
  record.doc["registeredResources"] = registered_resources(command);
  record.doc["attributes"] = registered_attributes(command, identity);
  // Where placement reads which EC2 capacity provider the instance serves.
  if (offer.capacity_provider.empty()) {
    record.doc.erase("capacityProviderName");
  } else {
    record.doc["capacityProviderName"] = offer.capacity_provider;
  }
  if (command.version_info) record.doc["versionInfo"] = *command.version_info;
  if (!record.doc.contains("versionInfo")) record.doc["versionInfo"] = json::object{};

  json::object rendered = render_container_instance(record, usage_of(state, record), false, true);
  std::string key = state::container_instance_key(cluster_name, record.id());
  return {{state::put_change(std::move(key), std::move(record))}, std::move(rendered)};
}

namespace {

const ContainerInstanceRecord& registered_instance(const ClusterState& state,
                                                   const std::string& cluster,
                                                   std::string_view identifier) {
  const ContainerInstanceRecord* instance = find_instance(state, cluster, identifier);
  if (!instance) {
    throw core::invalid_parameter("The referenced container instance '" +
                                  std::string(identifier) + "' was not found in cluster '" +
                                  cluster + "'.");
  }
  return *instance;
}

bool stopped(const state::TaskRecord& task) { return task.last_status() == "STOPPED"; }

}  // namespace

InstanceChanged deregister_instance(const Context& context, const DeregisterInstance& command) {
  const ClusterState& state = context.state;
  // A FARGATE pool host is named by its ARN, whatever cluster the call names.
  const bool pool_host =
      core::scoped_cluster(command.container_instance) == state::kFargatePool;
  std::string cluster = pool_host ? std::string(state::kFargatePool)
                                  : active_cluster(state, command.cluster).name();
  const ContainerInstanceRecord& instance =
      registered_instance(state, cluster, command.container_instance);
  const bool force = command.force;
  std::vector<state::Change> changes;
  double now = context.now_seconds();
  // Every task on the machine goes with it, FARGATE tasks of other clusters too.
  for (const state::TaskRecord* task : state.tasks_on_host(instance.id())) {
    if (stopped(*task)) continue;
    if (!force) {
      throw core::invalid_parameter(
          "The container instance has tasks that are not stopped. Stop them first, or "
          "deregister with force to stop them with it.");
    }
    if (auto stopping = request_stop(*task, "UserInitiated", "Container instance deregistered", now)) {
      changes.push_back(
          state::put_change(state::task_key(task->cluster, task->id()), std::move(*stopping)));
    }
  }
  ContainerInstanceRecord record = instance;
  record.doc["status"] = model::instance_status_name(InstanceStatus::kInactive);
  record.doc["version"] = int_member(instance.doc, "version", 1) + 1;
  json::object rendered = render_container_instance(record, usage_of(state, record), false, true);
  std::string key = state::container_instance_key(cluster, record.id());
  changes.push_back(state::put_change(std::move(key), std::move(record)));
  return {std::move(changes), std::move(rendered)};
}

InstancesUpdated update_instances_state(const Context& context,
                                        const UpdateInstancesState& command) {
  const ClusterState& state = context.state;
  std::string cluster = active_cluster(state, command.cluster).name();
  const std::string& status = command.status;
  auto asked = model::parse_instance_status(status);
  if (asked != InstanceStatus::kActive && asked != InstanceStatus::kDraining) {
    throw core::invalid_parameter("Container instances can only be set to ACTIVE or DRAINING, "
                                  "not " + status + ".");
  }
  InstancesUpdated updated;
  for (const std::string& identifier : command.container_instances) {
    const ContainerInstanceRecord* instance = find_instance(state, cluster, identifier);
    auto from = instance ? model::parse_instance_status(instance->status()) : std::nullopt;
    if (!instance || !from || !model::transition(*from, *asked)) {
      updated.failures.push_back({identifier, "MISSING"});
      continue;
    }
    ContainerInstanceRecord record = *instance;
    if (record.status() != status) {
      record.doc["status"] = status;
      record.doc["version"] = int_member(instance->doc, "version", 1) + 1;
    }
    updated.container_instances.push_back(render_container_instance(
        record, usage_of(state, record), record.agent_connected(), false));
    std::string key = state::container_instance_key(cluster, record.id());
    updated.changes.push_back(state::put_change(std::move(key), std::move(record)));
  }
  return updated;
}

std::vector<state::Change> set_agent_connection(const Context& context,
                                                const SetAgentConnection& command) {
  const ContainerInstanceRecord* instance =
      context.state.instance(command.cluster, command.instance_id);
  if (!instance || instance->agent_connected() == command.connected) return {};
  ContainerInstanceRecord record = *instance;
  record.doc["agentConnected"] = command.connected;
  return {state::put_change(state::container_instance_key(command.cluster, command.instance_id),
                            std::move(record))};
}

std::vector<state::Change> disconnect_all_agents(const Context& context) {
  std::vector<state::Change> changes;
  for (const auto& [id, instance] : context.state.hosts()) {  // the FARGATE pool's too
    auto more = set_agent_connection(context, {instance->cluster, id, false});
    std::move(more.begin(), more.end(), std::back_inserter(changes));
  }
  return changes;
}

}  // namespace gantry::ecs
