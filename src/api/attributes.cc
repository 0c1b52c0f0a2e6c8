// PutAttributes, DeleteAttributes, ListAttributes: custom attributes of
// container instances, which memberOf constraints and filters select on.
#include <map>

#include "api/handler_support.h"
#include "ecs/instance_attributes.h"
#include "api/pagination.h"
#include "model/instance_lifecycle.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::ContainerInstanceRecord;

namespace {

constexpr size_t kMaxCustomAttributes = 10;

bool custom(std::string_view name) {
  return !name.starts_with("ecs.") && !name.starts_with("com.amazonaws.ecs.") &&
         !name.starts_with("gantry.");
}

void require_instance_target(const json::object& attribute) {
  std::string type = string_member(attribute, "targetType", "container-instance");
  if (type != "container-instance") {
    throw core::invalid_parameter("targetType must be container-instance, not " + type + ".");
  }
}

// The attributes of one request grouped by the instance they target.
std::map<std::string, json::array> by_target(const ClusterState& state, const std::string& cluster,
                                             const json::array& attributes) {
  if (attributes.size() > kMaxCustomAttributes) {
    throw core::invalid_parameter("A request can carry at most 10 attributes.");
  }
  std::map<std::string, json::array> grouped;
  for (const auto& item : attributes) {
    const json::object& attribute = item.as_object();
    require_instance_target(attribute);
    std::string target = string_member(attribute, "targetId");
    if (target.empty()) {
      throw core::invalid_parameter("Attribute '" + string_member(attribute, "name") +
                                    "' needs a targetId: the container instance's id or ARN.");
    }
    std::string id = core::scoped_id_from(target, "container-instance", cluster);
    const ContainerInstanceRecord* instance = state.instance(cluster, id);
    if (!instance || !model::is_registered(instance->status())) {
      throw core::ApiError("TargetNotFoundException",
                           "Could not find container instance '" + target + "' in cluster '" +
                               cluster + "'.");
    }
    grouped[id].push_back(attribute);
  }
  return grouped;
}

template <class Edit>
state::Outcome edit_attributes(const RequestContext& context, const ClusterState& state,
                               Edit edit) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  const json::array& attributes = *array_member(body, "attributes");
  std::vector<state::Change> changes;
  for (auto& [id, requested] : by_target(state, cluster, attributes)) {
    ContainerInstanceRecord record = *state.instance(cluster, id);
    record.doc["attributes"] = edit(record.doc["attributes"].as_array(), requested);
    record.doc["version"] = int_member(record.doc, "version", 1) + 1;
    changes.push_back(state::put_change(state::container_instance_key(cluster, id), std::move(record)));
  }
  return {std::move(changes), json::object{{"attributes", attributes}}};
}

state::Outcome put_attributes(const RequestContext& context, const ClusterState& state) {
  for (const auto& a : *array_member(context.body, "attributes")) {
    ecs::validate_attribute(a.as_object());
  }
  return edit_attributes(context, state, [](const json::array& current, const json::array& added) {
    json::array merged = ecs::merge_attributes(current, added);
    size_t count = 0;
    for (const auto& a : merged) count += custom(a.as_object().at("name").as_string());
    if (count > kMaxCustomAttributes) {
      throw core::ApiError("AttributeLimitExceededException",
                           "You can apply up to 10 custom attributes to a container instance.");
    }
    return merged;
  });
}

state::Outcome delete_attributes(const RequestContext& context, const ClusterState& state) {
  return edit_attributes(context, state, ecs::remove_attributes);
}

json::object list_attributes(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  std::string cluster = active_cluster(state, body).name();
  require_instance_target(body);
  PageRequest page = read_page_request(body);
  std::string name = string_member(body, "attributeName");
  std::string value = string_member(body, "attributeValue");
  if (!value.empty() && name.empty()) {
    throw core::invalid_parameter("attributeValue can only filter together with attributeName.");
  }
  // Keyed "<instance id>/<attribute name>" so that pages resume in order.
  std::map<std::string, json::object> matching;
  for (const auto& [id, instance] : state.instances(cluster)) {
    if (!model::is_registered(instance->status())) continue;
    for (const auto& item : instance->doc.at("attributes").as_array()) {
      const json::object& a = item.as_object();
      std::string n = string_member(a, "name");
      if (!name.empty() && n != name) continue;
      if (!value.empty() && string_member(a, "value") != value) continue;
      json::object out = a;
      out["targetType"] = "container-instance";
      out["targetId"] = instance->arn();
      matching.emplace(id + "/" + n, std::move(out));
    }
  }
  json::array attributes;
  json::object response;
  paginate(
      page, matching, [](const auto& entry) { return entry.first; },
      [&](const auto& entry) { attributes.push_back(entry.second); }, response);
  response["attributes"] = std::move(attributes);
  return response;
}

}  // namespace

void register_attribute_handlers(Router& router, Services services) {
  router.add("PutAttributes", write_handler(services, put_attributes));
  router.add("DeleteAttributes", write_handler(services, delete_attributes));
  router.add("ListAttributes", read_handler(services, list_attributes));
}

}  // namespace gantry::api
