#include "ecs/capacity_provider_commands.h"

#include <cctype>
#include <regex>

#include "core/arn.h"
#include "core/error.h"
#include "core/json_members.h"
#include "ecs/capacity_providers.h"
#include "ecs/tags.h"

namespace gantry::ecs {

namespace json = boost::json;
using core::object_member;
using core::string_member;
using state::CapacityProviderRecord;

namespace {

// Shown on every provider gantry stores: it runs on the machines that
// register, and has no Auto Scaling group to scale or protect.
constexpr std::string_view kNotActedOn =
    "gantry does not scale Auto Scaling groups: managedScaling and managedTerminationProtection "
    "are stored and not acted on.";

// CreateCapacityProvider's name rule: up to 255 letters, numbers,
// underscores and hyphens, not prefixed with "aws", "ecs" or "fargate"
// (ECS refuses those in any case, as CDK's users found, aws-cdk#36584).
void validate_name(const std::string& name) {
  static const std::regex allowed("[a-zA-Z0-9_-]{1,255}");
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool reserved =
      lower.starts_with("aws") || lower.starts_with("ecs") || lower.starts_with("fargate");
  if (reserved || !std::regex_match(name, allowed)) {
    throw core::invalid_parameter(
        "The specified capacity provider name is invalid. Up to 255 characters are allowed, "
        "including letters (upper and lowercase), numbers, underscores, and hyphens. The name "
        "cannot be prefixed with \"aws\", \"ecs\", or \"fargate\". Specify a valid name and try "
        "again.");
  }
}

void refuse_managed_instances(const json::object& request) {
  if (request.contains("managedInstancesProvider")) {
    throw core::ApiError("UnsupportedFeatureException",
                         "gantry does not run Amazon ECS Managed Instances; create the capacity "
                         "provider with an autoScalingGroupProvider.");
  }
}

// ManagedScaling with ECS's documented defaults for what was not given:
// targetCapacity 100, minimumScalingStepSize 1, maximumScalingStepSize
// 10000, instanceWarmupPeriod 300 (the ManagedScaling shape's reference);
// a provider created without it shows managed scaling DISABLED.
json::object managed_scaling(const json::object* given, const json::object* current) {
  json::object scaling = current ? *current
                                 : json::object{{"status", "DISABLED"},
                                                {"targetCapacity", 100},
                                                {"minimumScalingStepSize", 1},
                                                {"maximumScalingStepSize", 10000},
                                                {"instanceWarmupPeriod", 300}};
  if (given) {
    for (const auto& member : *given) scaling[member.key()] = member.value();
  }
  if (core::int_member(scaling, "minimumScalingStepSize", 1) >
      core::int_member(scaling, "maximumScalingStepSize", 10000)) {
    throw core::invalid_parameter(
        "The managed scaling minimumScalingStepSize cannot be greater than "
        "maximumScalingStepSize.");
  }
  return scaling;
}

// The members UpdateCapacityProvider may change
// (AutoScalingGroupProviderUpdate), given ones over `provider`'s.
void apply_settings(json::object& provider, const json::object& given) {
  provider["managedScaling"] = managed_scaling(object_member(given, "managedScaling"),
                                               object_member(provider, "managedScaling"));
  for (std::string_view member : {"managedTerminationProtection", "managedDraining"}) {
    if (auto* value = given.if_contains(member)) provider[member] = *value;
  }
}

json::object auto_scaling_group_provider(const json::object& given) {
  // Off unless asked for (managedTerminationProtection: "The default is
  // off"); managedDraining defaults to ENABLED.
  json::object provider{{"autoScalingGroupArn", string_member(given, "autoScalingGroupArn")},
                        {"managedTerminationProtection", "DISABLED"},
                        {"managedDraining", "ENABLED"}};
  apply_settings(provider, given);
  return provider;
}

// The ACTIVE provider of the given name or ARN; built-ins are refused with
// `reserved_what` ("updated", "deleted").
CapacityProviderRecord created_provider(const state::ClusterState& state,
                                        std::string_view identifier,
                                        std::string_view reserved_what) {
  std::string name = core::capacity_provider_name_from(identifier);
  if (is_builtin_capacity_provider(name)) {
    throw core::invalid_parameter("The " + name + " capacity provider is reserved and cannot be " +
                                  std::string(reserved_what) + ".");
  }
  const CapacityProviderRecord* record = state.capacity_provider(name);
  if (!record || record->status() != "ACTIVE") {
    throw core::client_error(
        "The specified capacity provider was not found. Specify a valid capacity provider and try "
        "again.");
  }
  return *record;
}

CapacityProviderWritten written(CapacityProviderRecord record) {
  json::object shown = record.doc;
  std::string key = state::capacity_provider_key(record.name());
  return {{state::put_change(std::move(key), std::move(record))}, std::move(shown)};
}

}  // namespace

CapacityProviderWritten create_capacity_provider(const Context& context,
                                                 const CreateCapacityProvider& command) {
  const json::object& request = command.request;
  std::string name = string_member(request, "name");
  validate_name(name);
  refuse_managed_instances(request);
  const json::object* given = object_member(request, "autoScalingGroupProvider");
  if (!given) {
    throw core::invalid_parameter(
        "autoScalingGroupProvider is required: gantry creates capacity providers of Auto Scaling "
        "groups only.");
  }
  if (const CapacityProviderRecord* existing = context.state.capacity_provider(name);
      existing && existing->status() == "ACTIVE") {
    throw core::client_error(
        "The specified capacity provider already exists. To change the configuration of an "
        "existing capacity provider, update the capacity provider.");
  }
  std::string group = string_member(*given, "autoScalingGroupArn");
  if (group.empty()) {
    throw core::invalid_parameter("autoScalingGroupProvider.autoScalingGroupArn is required.");
  }
  for (const auto& [other, record] : context.state.capacity_providers()) {
    const json::object* provider = object_member(record->doc, "autoScalingGroupProvider");
    if (record->status() == "ACTIVE" && provider &&
        string_member(*provider, "autoScalingGroupArn") == group) {
      throw core::client_error(
          "The specified Auto Scaling group ARN is already being used by another capacity "
          "provider. Specify a unique Auto Scaling group ARN and try again.");
    }
  }
  json::array tags;
  if (const json::array* given_tags = core::array_member(request, "tags")) {
    validate_tags(*given_tags);
    tags = *given_tags;
  }
  json::object doc{
      {"capacityProviderArn",
       core::capacity_provider_arn(context.region, context.account_id, name)},
      {"name", name},
      {"status", "ACTIVE"},
      {"autoScalingGroupProvider", auto_scaling_group_provider(*given)},
      {"updateStatusReason", kNotActedOn},
      {"tags", std::move(tags)},
      {"type", "EC2_AUTOSCALING"},
  };
  return written(CapacityProviderRecord{std::move(doc)});
}

CapacityProviderWritten update_capacity_provider(const Context& context,
                                                 const UpdateCapacityProvider& command) {
  const json::object& request = command.request;
  refuse_managed_instances(request);
  CapacityProviderRecord record =
      created_provider(context.state, string_member(request, "name"), "updated");
  if (const json::object* given = object_member(request, "autoScalingGroupProvider")) {
    json::value& provider = record.doc["autoScalingGroupProvider"];
    if (!provider.is_object()) provider.emplace_object();
    apply_settings(provider.get_object(), *given);
  }
  record.doc["updateStatus"] = "UPDATE_COMPLETE";
  record.doc["updateStatusReason"] = kNotActedOn;
  return written(std::move(record));
}

CapacityProviderWritten delete_capacity_provider(const Context& context,
                                                 const DeleteCapacityProvider& command) {
  CapacityProviderRecord record =
      created_provider(context.state, command.capacity_provider, "deleted");
  // "Only capacity providers that aren't associated with a cluster can be
  // deleted", and none that a service's strategy names
  // (DeleteCapacityProvider). ECS answers such a delete with DELETE_FAILED and
  // its reason, not an error.
  std::optional<std::string> reason;
  if (auto cluster = cluster_associated_with(context.state, record.name())) {
    reason = "The capacity provider cannot be deleted because it is associated with cluster: " +
             *cluster + ". Remove the capacity provider from the cluster and try again.";
  } else if (auto service = service_using(context.state, record.name())) {
    reason =
        "The capacity provider cannot be deleted because it is used in the capacity provider "
        "strategy of service: " +
        *service + ". Remove the capacity provider from the service (UpdateService) and try again.";
  }
  if (reason) {
    record.doc["updateStatus"] = "DELETE_FAILED";
    record.doc["updateStatusReason"] = *reason;
    return written(std::move(record));
  }
  // "When a capacity provider is successfully deleted, it has an INACTIVE
  // status" (CapacityProvider.status); it stays describable by name, and
  // the name may be created again.
  record.doc["status"] = "INACTIVE";
  record.doc["updateStatus"] = "DELETE_COMPLETE";
  record.doc.erase("updateStatusReason");
  return written(std::move(record));
}

}  // namespace gantry::ecs
