// RegisterContainerInstance, DeregisterContainerInstance,
// DescribeContainerInstances, ListContainerInstances,
// UpdateContainerInstancesState, DiscoverPollEndpoint.
#include "api/container_instance_view.h"
#include "api/handler_support.h"
#include "api/instance_attributes.h"
#include "api/instance_placement_view.h"
#include "api/pagination.h"
#include "api/tags.h"
#include "api/task_transitions.h"
#include "model/task_lifecycle.h"
#include "scheduler/query_language.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::ContainerInstanceRecord;

namespace {

// The EC2 identity document, when the agent sent one, names the instance.
json::object identity_document(const json::object& body) {
  std::string text = string_member(body, "instanceIdentityDocument");
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
json::array registered_resources(const json::object& body) {
  json::array resources;
  json::array gpus;
  auto add_missing = [&](json::object resource) {
    for (const auto& r : resources) {
      if (r.as_object().at("name") == resource.at("name")) return;
    }
    resources.push_back(std::move(resource));
  };
  if (auto* total = array_member(body, "totalResources")) {
    for (const auto& item : *total) {
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
  if (auto* devices = array_member(body, "platformDevices")) {
    for (const auto& d : *devices) {
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

json::array registered_attributes(const json::object& body, const json::object& identity) {
  json::array attributes;
  if (auto* given = array_member(body, "attributes")) {
    for (const auto& a : *given) validate_attribute(a.as_object());
    attributes = merge_attributes({}, *given);
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

state::Outcome register_instance(const RequestContext& context, const ClusterState& state,
                                 core::Random& ids) {
  const json::object& body = context.body;
  const state::ClusterRecord& cluster = active_cluster(state, body);
  std::string cluster_name = cluster.name();
  json::object identity = identity_document(body);
  std::string ec2_id = string_member(identity, "instanceId");

  // An agent re-registers after a restart by its ARN, or by its EC2 id.
  const ContainerInstanceRecord* existing = nullptr;
  if (std::string arn = string_member(body, "containerInstanceArn"); !arn.empty()) {
    existing = state.instance(cluster_name,
                              scoped_id_from(arn, "container-instance", cluster_name));
    if (!existing || existing->status() == "INACTIVE") {
      throw core::invalid_parameter("The container instance '" + arn +
                                    "' is not registered in cluster '" + cluster_name +
                                    "'; register without containerInstanceArn.");
    }
  } else if (!ec2_id.empty()) {
    for (const auto& [id, instance] : state.instances(cluster_name)) {
      auto* known = instance->doc.if_contains("ec2InstanceId");
      if (known && *known == ec2_id.c_str() && instance->status() != "INACTIVE") {
        existing = instance.get();
      }
    }
  }

  json::array tags;
  if (auto* given = array_member(body, "tags")) {
    validate_tags(*given);
    tags = *given;
  }
  ContainerInstanceRecord record{cluster_name, {}};
  if (existing) {
    record.doc = existing->doc;
    record.doc["version"] = int_member(existing->doc, "version", 1) + 1;
    if (!tags.empty()) record.doc["tags"] = merge_tags(existing->doc.at("tags").as_array(), tags);
  } else {
    std::string id = ids.hex(32);
    record.doc["containerInstanceArn"] =
        container_instance_arn(context.region, context.account_id, cluster_name, id);
    record.doc["ec2InstanceId"] = ec2_id.empty() ? "i-" + ids.hex(17) : ec2_id;
    record.doc["version"] = 1;
    record.doc["status"] = "ACTIVE";
    record.doc["agentUpdateStatus"] = "UPDATED";
    record.doc["registeredAt"] = core::to_epoch_seconds(context.now);
    record.doc["attachments"] = json::array{};
    record.doc["tags"] = std::move(tags);
  }
  record.doc["registeredResources"] = registered_resources(body);
  record.doc["attributes"] = registered_attributes(body, identity);
  if (auto* info = body.if_contains("versionInfo")) record.doc["versionInfo"] = *info;
  if (!record.doc.contains("versionInfo")) record.doc["versionInfo"] = json::object{};

  json::object rendered = render_container_instance(record, usage_of(state, record), false, true);
  std::string key = state::container_instance_key(cluster_name, record.id());
  return {{state::put_change(std::move(key), std::move(record))},
          json::object{{"containerInstance", std::move(rendered)}}};
}

const ContainerInstanceRecord& find_instance(const ClusterState& state,
                                             const std::string& cluster,
                                             std::string_view identifier) {
  const ContainerInstanceRecord* instance =
      state.instance(cluster, scoped_id_from(identifier, "container-instance", cluster));
  if (!instance) {
    throw core::invalid_parameter("The referenced container instance '" +
                                  std::string(identifier) + "' was not found in cluster '" +
                                  cluster + "'.");
  }
  return *instance;
}

bool stopped(const state::TaskRecord& task) { return task.last_status() == "STOPPED"; }

state::Outcome deregister_instance(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  const ContainerInstanceRecord& instance =
      find_instance(state, cluster, string_member(body, "containerInstance"));
  bool force = bool_member(body, "force", false);
  std::vector<state::Change> changes;
  double now = core::to_epoch_seconds(context.now);
  for (const state::TaskRecord* task : state.tasks_on(cluster, instance.id())) {
    if (stopped(*task)) continue;
    if (!force) {
      throw core::invalid_parameter(
          "The container instance has tasks that are not stopped. Stop them first, or "
          "deregister with force to stop them with it.");
    }
    if (auto stopping = request_stop(*task, "UserInitiated", "Container instance deregistered", now)) {
      changes.push_back(state::put_change(state::task_key(cluster, task->id()), std::move(*stopping)));
    }
  }
  ContainerInstanceRecord record = instance;
  record.doc["status"] = "INACTIVE";
  record.doc["version"] = int_member(instance.doc, "version", 1) + 1;
  json::object rendered = render_container_instance(record, usage_of(state, record), false, true);
  std::string key = state::container_instance_key(cluster, record.id());
  changes.push_back(state::put_change(std::move(key), std::move(record)));
  return {std::move(changes), json::object{{"containerInstance", std::move(rendered)}}};
}

bool includes(const json::object& body, std::string_view what) {
  if (auto* include = array_member(body, "include")) {
    for (const auto& item : *include) {
      if (item.as_string() == what) return true;
    }
  }
  return false;
}

json::object describe_instances(const RequestContext& context, const ClusterState& state,
                                const state::AgentPresence& presence) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  const json::array& requested = *array_member(body, "containerInstances");
  if (requested.size() > 100) {
    throw core::invalid_parameter("containerInstances can name at most 100 instances.");
  }
  json::array found;
  json::array failures;
  for (const auto& item : requested) {
    std::string identifier(item.as_string());
    const ContainerInstanceRecord* instance =
        state.instance(cluster, scoped_id_from(identifier, "container-instance", cluster));
    if (!instance) {
      failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      continue;
    }
    bool connected = presence.connected(instance->arn());
    json::object rendered = render_container_instance(*instance, usage_of(state, *instance),
                                                      connected, includes(body, "TAGS"));
    if (includes(body, "CONTAINER_INSTANCE_HEALTH")) {
      // The agent's channel is the health gantry can vouch for.
      std::string runtime = connected ? "OK" : "INSUFFICIENT_DATA";
      rendered["healthStatus"] = json::object{
          {"overallStatus", runtime},
          {"details", json::array{json::object{{"type", "CONTAINER_RUNTIME"}, {"status", runtime}}}}};
    }
    found.push_back(std::move(rendered));
  }
  return {{"containerInstances", std::move(found)}, {"failures", std::move(failures)}};
}

json::object list_instances(const RequestContext& context, const ClusterState& state,
                            const state::AgentPresence& presence) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  PageRequest page = read_page_request(body);
  std::string status = string_member(body, "status");
  std::optional<scheduler::CompiledQuery> filter;
  if (std::string text = string_member(body, "filter"); !text.empty()) {
    filter = scheduler::compile_query(text);
  }
  std::vector<const ContainerInstanceRecord*> matching;
  for (const auto& [id, instance] : state.instances(cluster)) {
    std::string s = instance->status();
    if (status.empty() ? s == "INACTIVE" : s != status) continue;
    if (filter && !filter->matches(instance_view(state, *instance, presence))) continue;
    matching.push_back(instance.get());
  }
  json::array arns;
  json::object response;
  paginate(
      page, matching, [](const ContainerInstanceRecord* i) { return i->id(); },
      [&](const ContainerInstanceRecord* i) { arns.push_back(json::string(i->arn())); },
      response);
  response["containerInstanceArns"] = std::move(arns);
  return response;
}

state::Outcome update_instances_state(const RequestContext& context, const ClusterState& state,
                                      const state::AgentPresence& presence) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  std::string status = string_member(body, "status");
  if (status != "ACTIVE" && status != "DRAINING") {
    throw core::invalid_parameter("Container instances can only be set to ACTIVE or DRAINING, "
                                  "not " + status + ".");
  }
  std::vector<state::Change> changes;
  json::array updated;
  json::array failures;
  for (const auto& item : *array_member(body, "containerInstances")) {
    std::string identifier(item.as_string());
    const ContainerInstanceRecord* instance =
        state.instance(cluster, scoped_id_from(identifier, "container-instance", cluster));
    if (!instance || instance->status() == "INACTIVE") {
      failures.push_back(json::object{{"arn", identifier}, {"reason", "MISSING"}});
      continue;
    }
    ContainerInstanceRecord record = *instance;
    if (record.status() != status) {
      record.doc["status"] = status;
      record.doc["version"] = int_member(instance->doc, "version", 1) + 1;
    }
    updated.push_back(render_container_instance(record, usage_of(state, record),
                                                presence.connected(record.arn()), false));
    std::string key = state::container_instance_key(cluster, record.id());
    changes.push_back(state::put_change(std::move(key), std::move(record)));
  }
  return {std::move(changes),
          json::object{{"containerInstances", std::move(updated)}, {"failures", std::move(failures)}}};
}

}  // namespace

void register_container_instance_handlers(Router& router, Services services) {
  router.add("RegisterContainerInstance",
             write_handler(services, [ids = &services.ids](const RequestContext& c,
                                                           const ClusterState& s) {
               return register_instance(c, s, *ids);
             }));
  router.add("DeregisterContainerInstance", write_handler(services, deregister_instance));
  router.add("DescribeContainerInstances",
             read_handler(services, [presence = &services.presence](const RequestContext& c,
                                                                    const ClusterState& s) {
               return describe_instances(c, s, *presence);
             }));
  router.add("ListContainerInstances",
             read_handler(services, [presence = &services.presence](const RequestContext& c,
                                                                    const ClusterState& s) {
               return list_instances(c, s, *presence);
             }));
  router.add("UpdateContainerInstancesState",
             write_handler(services, [presence = &services.presence](const RequestContext& c,
                                                                     const ClusterState& s) {
               return update_instances_state(c, s, *presence);
             }));
  router.add("DiscoverPollEndpoint",
             read_handler(services, [endpoint = services.agent_endpoint](
                                        const RequestContext& c, const ClusterState& s) {
               if (c.body.contains("cluster")) active_cluster(s, c.body);
               return json::object{{"endpoint", endpoint},
                                   {"telemetryEndpoint", endpoint},
                                   {"serviceConnectEndpoint", endpoint}};
             }));
}

}  // namespace gantry::api
