// TagResource, UntagResource, ListTagsForResource for clusters, task
// definitions, tasks, container instances, services and capacity providers.
#include "core/arn.h"
#include "api/handler_support.h"
#include "ecs/tags.h"
#include "core/error.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;

namespace {

// The tagged record an ARN names, copied so that it can be changed.
struct TaggedRecord {
  std::string key;
  state::Record record;

  json::array tags() const {
    if (const auto* definition = std::get_if<state::TaskDefinitionRecord>(&record)) {
      return definition->tags;
    }
    if (const auto* task = std::get_if<state::TaskRecord>(&record)) return tags_of(task->doc());
    json::array tags;
    std::visit(
        [&](const auto& r) {
          if constexpr (requires { r.doc.if_contains(""); }) tags = tags_of(r.doc);
        },
        record);
    return tags;
  }

  void set_tags(json::array tags) {
    if (auto* definition = std::get_if<state::TaskDefinitionRecord>(&record)) {
      definition->tags = std::move(tags);
    } else if (auto* task = std::get_if<state::TaskRecord>(&record)) {
      json::object doc = task->doc();  // kept compressed: read, change, write back
      doc["tags"] = std::move(tags);
      task->set_doc(doc);
    } else {
      std::visit(
          [&](auto& r) {
            if constexpr (requires { r.doc.if_contains(""); }) {
              r.doc["tags"] = std::move(tags);
            } else {
              throw std::logic_error("an untaggable record");
            }
          },
          record);
    }
  }

 private:
  static json::array tags_of(const json::object& doc) {
    const json::value* tags = doc.if_contains("tags");
    return tags && tags->is_array() ? tags->get_array() : json::array{};
  }
};

TaggedRecord find_tagged(const ClusterState& state, std::string_view resource_arn) {
  auto arn = core::parse_arn(resource_arn);
  if (!arn) {
    throw core::invalid_parameter("Invalid resourceArn '" + std::string(resource_arn) +
                                  "': expected an ECS ARN such as arn:aws:ecs:<region>:"
                                  "<account>:cluster/<name>.");
  }
  if (arn->resource_type == "cluster") {
    const state::ClusterRecord* cluster = state.cluster(arn->resource_id);
    if (!cluster || !cluster->active()) throw core::cluster_not_found();
    return {state::cluster_key(arn->resource_id), *cluster};
  }
  if (arn->resource_type == "task-definition") {
    core::TaskDefinitionRef ref = core::parse_task_definition_ref(arn->resource_id);
    const state::TaskDefinitionRecord* definition =
        ref.revision ? state.task_definition(ref.family, *ref.revision) : nullptr;
    if (!definition || definition->status() == "DELETE_IN_PROGRESS") {
      throw core::resource_not_found("The specified task definition does not exist: " +
                                     std::string(resource_arn) + ".");
    }
    return {state::task_definition_key(ref.family, *ref.revision), *definition};
  }
  if (arn->resource_type == "capacity-provider") {
    // Account-wide; the built-ins have no record to tag, deleted ones take no tags.
    const state::CapacityProviderRecord* provider = state.capacity_provider(arn->resource_id);
    if (!provider || provider->status() != "ACTIVE") {
      throw core::invalid_parameter("The specified capacity provider does not exist: " +
                                    std::string(resource_arn) + ".");
    }
    return {state::capacity_provider_key(arn->resource_id), *provider};
  }
  if (arn->resource_type == "service") {
    // The long format, service/<cluster>/<name>; INACTIVE services take no tags.
    auto slash = arn->resource_id.find('/');
    std::string cluster = arn->resource_id.substr(0, slash);
    std::string name = slash == std::string::npos ? "" : arn->resource_id.substr(slash + 1);
    const state::ServiceRecord* service = state.service(cluster, name);
    if (!service || service->status() == "INACTIVE") throw core::service_not_found();
    return {state::service_key(cluster, name), *service};
  }
  if (arn->resource_type == "task" || arn->resource_type == "container-instance") {
    auto slash = arn->resource_id.find('/');
    std::string cluster = arn->resource_id.substr(0, slash);
    std::string id = slash == std::string::npos ? "" : arn->resource_id.substr(slash + 1);
    if (arn->resource_type == "task") {
      if (const state::TaskRecord* task = state.task(cluster, id)) {
        return {state::task_key(cluster, id), *task};
      }
    } else if (const state::ContainerInstanceRecord* instance = state.instance(cluster, id)) {
      return {state::container_instance_key(cluster, id), *instance};
    }
    throw core::invalid_parameter("The specified " + arn->resource_type + " does not exist: " +
                                  std::string(resource_arn) + ".");
  }
  throw core::invalid_parameter("Tagging of '" + arn->resource_type +
                                "' resources is not supported by gantry yet.");
}

state::Outcome store_tags(TaggedRecord tagged, json::array tags) {
  tagged.set_tags(std::move(tags));
  return {{state::put_change(std::move(tagged.key), std::move(tagged.record))}, json::object{}};
}

state::Outcome tag_resource(const RequestContext& context, const ClusterState& state) {
  TaggedRecord tagged = find_tagged(state, string_member(context.body, "resourceArn"));
  const json::array& added = *array_member(context.body, "tags");
  ecs::validate_tags(added);
  json::array merged = ecs::merge_tags(tagged.tags(), added);
  return store_tags(std::move(tagged), std::move(merged));
}

state::Outcome untag_resource(const RequestContext& context, const ClusterState& state) {
  TaggedRecord tagged = find_tagged(state, string_member(context.body, "resourceArn"));
  json::array kept = ecs::remove_tags(tagged.tags(), *array_member(context.body, "tagKeys"));
  return store_tags(std::move(tagged), std::move(kept));
}

json::object list_tags(const RequestContext& context, const ClusterState& state) {
  TaggedRecord tagged = find_tagged(state, string_member(context.body, "resourceArn"));
  return {{"tags", tagged.tags()}};
}

}  // namespace

void register_tag_handlers(Router& router, Services services) {
  router.add("TagResource", write_handler(services, tag_resource));
  router.add("UntagResource", write_handler(services, untag_resource));
  router.add("ListTagsForResource", read_handler(services, list_tags));
}

}  // namespace gantry::api
