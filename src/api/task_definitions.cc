// RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
// ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
#include <set>

#include "core/arn.h"
#include "api/handler_support.h"
#include "api/pagination.h"
#include "ecs/tags.h"
#include "core/error.h"
#include "model/task_definition_defaults.h"
#include "model/task_definition_rules.h"

namespace gantry::api {

namespace json = boost::json;
using state::ClusterState;
using state::TaskDefinitionRecord;

namespace {

// Sort key of a revision: family order first, then revision order.
std::string revision_key(std::string_view family, int64_t revision) {
  char padded[16];
  std::snprintf(padded, sizeof padded, "%010lld", static_cast<long long>(revision));
  return std::string(family) + '\x01' + padded;
}

const TaskDefinitionRecord* find(const ClusterState& state, const core::TaskDefinitionRef& ref) {
  return ref.revision ? state.task_definition(ref.family, *ref.revision)
                      : state.latest_active(ref.family);
}

state::Outcome put(TaskDefinitionRecord record, json::object response) {
  std::string key = state::task_definition_key(record.family(), record.revision());
  return {{state::put_change(std::move(key), std::move(record))}, std::move(response)};
}

state::Outcome register_task_definition(const RequestContext& context, const ClusterState& state) {
  json::object definition = context.body;
  model::validate_task_definition(definition);
  model::normalize_task_definition(definition);

  json::array tags;
  if (auto* t = definition.if_contains("tags")) {
    tags = t->as_array();
    definition.erase("tags");
    ecs::validate_tags(tags);
  }
  std::string family(definition.at("family").as_string());
  int64_t revision = state.last_revision(family) + 1;

  model::apply_task_definition_defaults(definition);
  definition["taskDefinitionArn"] =
      core::task_definition_arn(context.region, context.account_id, family, revision);
  definition["revision"] = revision;
  definition["status"] = "ACTIVE";
  definition["compatibilities"] = model::compute_compatibilities(definition);
  definition["requiresAttributes"] = model::compute_requires_attributes(definition);
  definition["registeredAt"] = core::to_epoch_seconds(context.now);
  definition["registeredBy"] = context.caller_arn;

  json::object response{{"taskDefinition", definition}, {"tags", tags}};
  return put(TaskDefinitionRecord{std::move(definition), std::move(tags)}, std::move(response));
}

json::object describe_task_definition(const RequestContext& context, const ClusterState& state) {
  core::TaskDefinitionRef ref =
      core::parse_task_definition_ref(string_member(context.body, "taskDefinition"));
  const TaskDefinitionRecord* record = find(state, ref);
  if (!record) throw core::client_error("Unable to describe task definition.");
  json::object response{{"taskDefinition", record->doc}};
  if (auto* include = array_member(context.body, "include")) {
    for (const auto& item : *include) {
      if (item.as_string() == "TAGS") response["tags"] = record->tags;
    }
  }
  return response;
}

json::object list_task_definitions(const RequestContext& context, const ClusterState& state) {
  const json::object& body = context.body;
  PageRequest page = read_page_request(body);
  std::string family = string_member(body, "familyPrefix");
  std::string status = string_member(body, "status", "ACTIVE");
  bool descending = string_member(body, "sort", "ASC") == "DESC";

  std::vector<const TaskDefinitionRecord*> matching;
  for (const auto& [name, revisions] : state.families()) {
    if (!family.empty() && name != family) continue;
    for (const auto& [revision, record] : revisions) {
      if (record->status() == status) matching.push_back(record.get());
    }
  }
  if (descending) std::reverse(matching.begin(), matching.end());

  json::array arns;
  json::object response;
  paginate(
      page, matching,
      [](const TaskDefinitionRecord* r) { return revision_key(r->family(), r->revision()); },
      [&](const TaskDefinitionRecord* r) { arns.push_back(r->doc.at("taskDefinitionArn")); },
      response, descending);
  response["taskDefinitionArns"] = std::move(arns);
  return response;
}

json::object list_task_definition_families(const RequestContext& context,
                                           const ClusterState& state) {
  const json::object& body = context.body;
  PageRequest page = read_page_request(body);
  std::string prefix = string_member(body, "familyPrefix");
  std::string status = string_member(body, "status", "ALL");

  std::vector<std::string> matching;
  for (const auto& [name, revisions] : state.families()) {
    if (!name.starts_with(prefix)) continue;
    bool has_active = std::any_of(revisions.begin(), revisions.end(),
                                  [](const auto& r) { return r.second->status() == "ACTIVE"; });
    if (status == "ALL" || (status == "ACTIVE") == has_active) matching.push_back(name);
  }
  json::array families;
  json::object response;
  paginate(
      page, matching, [](const std::string& name) { return name; },
      [&](const std::string& name) { families.push_back(json::string(name)); }, response);
  response["families"] = std::move(families);
  return response;
}

state::Outcome deregister_task_definition(const RequestContext& context,
                                          const ClusterState& state) {
  std::string identifier = string_member(context.body, "taskDefinition");
  core::TaskDefinitionRef ref = core::parse_task_definition_ref(identifier);
  if (!ref.revision) {
    throw core::client_error("Name the revision to deregister as family:revision or by its ARN; '" +
                             identifier + "' has no revision.");
  }
  const TaskDefinitionRecord* existing = find(state, ref);
  if (!existing || existing->status() == "DELETE_IN_PROGRESS") {
    throw core::client_error("The specified task definition does not exist.");
  }
  TaskDefinitionRecord record = *existing;
  if (record.status() == "ACTIVE") {
    record.doc["status"] = "INACTIVE";
    record.doc["deregisteredAt"] = core::to_epoch_seconds(context.now);
  }
  json::object response{{"taskDefinition", record.doc}};
  return put(std::move(record), std::move(response));
}

state::Outcome delete_task_definitions(const RequestContext& context, const ClusterState& state) {
  const json::array& identifiers = *array_member(context.body, "taskDefinitions");
  if (identifiers.empty() || identifiers.size() > 10) {
    throw core::invalid_parameter("DeleteTaskDefinitions takes 1 to 10 task definitions, got " +
                                  std::to_string(identifiers.size()) + ".");
  }
  state::Outcome outcome;
  json::array deleted, failures;
  std::set<std::string> seen;
  for (const auto& item : identifiers) {
    std::string identifier(item.as_string());
    auto fail = [&](std::string reason) {
      failures.push_back(json::object{{"arn", identifier}, {"reason", std::move(reason)}});
    };
    core::TaskDefinitionRef ref;
    try {
      ref = core::parse_task_definition_ref(identifier);
    } catch (const core::ApiError& error) {
      fail(error.message());
      continue;
    }
    const TaskDefinitionRecord* existing = ref.revision ? find(state, ref) : nullptr;
    if (!ref.revision) {
      fail("The task definition must be named with its revision (family:revision or ARN).");
    } else if (!existing) {
      fail("The specified task definition does not exist.");
    } else if (existing->status() == "ACTIVE") {
      fail("The specified task definition is still in ACTIVE status. Please deregister the "
           "target and try again.");
    } else if (seen.insert(identifier).second) {
      TaskDefinitionRecord record = *existing;
      if (record.status() == "INACTIVE") {
        // ECS finishes the deletion once no task uses the revision; it
        // stays describable as DELETE_IN_PROGRESS until then.
        record.doc["status"] = "DELETE_IN_PROGRESS";
        record.doc["deleteRequestedAt"] = core::to_epoch_seconds(context.now);
      }
      deleted.push_back(record.doc);
      std::string key = state::task_definition_key(record.family(), record.revision());
      outcome.changes.push_back(state::put_change(std::move(key), std::move(record)));
    }
  }
  outcome.response = {{"taskDefinitions", std::move(deleted)}, {"failures", std::move(failures)}};
  return outcome;
}

}  // namespace

void register_task_definition_handlers(Router& router, Services services) {
  router.add("RegisterTaskDefinition", write_handler(services, register_task_definition));
  router.add("DescribeTaskDefinition", read_handler(services, describe_task_definition));
  router.add("ListTaskDefinitions", read_handler(services, list_task_definitions));
  router.add("ListTaskDefinitionFamilies", read_handler(services, list_task_definition_families));
  router.add("DeregisterTaskDefinition", write_handler(services, deregister_task_definition));
  router.add("DeleteTaskDefinitions", write_handler(services, delete_task_definitions));
}

}  // namespace gantry::api
