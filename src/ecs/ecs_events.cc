#include "ecs/ecs_events.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>

#include "core/json_members.h"
#include "ecs/container_instance_health.h"

namespace gantry::ecs {

namespace json = boost::json;

namespace {

// The timestamps ECS's event details write as ISO 8601 (the API writes
// them as epoch seconds); the last two are a health check's.
constexpr std::string_view kTimestamps[] = {
    "createdAt",     "startedAt",          "stoppingAt",     "stoppedAt",    "pullStartedAt",
    "pullStoppedAt", "executionStoppedAt", "connectivityAt", "registeredAt", "updatedAt",
    "lastUpdated",   "lastStatusChange"};

void timestamps_as_iso8601(json::object& detail) {
  for (std::string_view name : kTimestamps) {
    auto* value = detail.if_contains(name);
    if (!value || !value->is_number()) continue;
    auto millis = std::chrono::milliseconds(
        static_cast<int64_t>(std::llround(value->to_number<double>() * 1000)));
    *value = iso8601(core::SystemTime(millis));
  }
}

// arn:aws:ecs:<region>:<account>:... -> (region, account)
std::pair<std::string, std::string> region_and_account(std::string_view arn) {
  std::string_view parts[5];
  for (auto& part : parts) {
    auto colon = arn.find(':');
    part = arn.substr(0, colon);
    arn = colon == std::string_view::npos ? std::string_view{} : arn.substr(colon + 1);
  }
  return {std::string(parts[3]), std::string(parts[4])};
}

// A UUID-shaped id that a replay of the same change repeats (FNV-1a, twice).
std::string event_id(int64_t revision, std::string_view key) {
  auto fnv = [&](uint64_t hash) {
    auto mix = [&](unsigned char byte) { hash = (hash ^ byte) * 0x100000001b3ULL; };
    for (int shift = 0; shift < 64; shift += 8) mix(static_cast<unsigned char>(revision >> shift));
    for (char c : key) mix(static_cast<unsigned char>(c));
    return hash;
  };
  uint64_t high = fnv(0xcbf29ce484222325ULL);
  uint64_t low = fnv(0x84222325cbf29ce4ULL);
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>(high >> 16 & 0xffff),
                static_cast<unsigned>((high & 0x0fff) | 0x4000),
                static_cast<unsigned>((low >> 48 & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

json::object envelope(const state::LoggedChange& change, std::string_view detail_type,
                      const std::string& arn, json::object detail) {
  auto [region, account] = region_and_account(arn);
  std::string time = iso8601(change.committed_at);
  detail["updatedAt"] = time;
  timestamps_as_iso8601(detail);
  // A change's second event (an instance's health) differs in its id.
  std::string id_key = detail_type == kContainerInstanceHealthChange
                           ? change.key + "#health"
                           : change.key;
  return json::object{{"version", "0"},
                      {"id", event_id(change.revision, id_key)},
                      {"detail-type", detail_type},
                      {"source", "aws.ecs"},
                      {"account", std::move(account)},
                      {"time", std::move(time)},
                      {"region", std::move(region)},
                      {"resources", json::array{json::string(arn)}},
                      {"detail", std::move(detail)},
                      {"revision", change.revision}};
}

std::optional<json::object> task_event(const state::LoggedChange& change) {
  const auto& after = std::get<state::TaskRecord>(*change.after);
  const auto* before =
      change.before ? std::get_if<state::TaskRecord>(change.before.get()) : nullptr;
  if (before && before->version() == after.version()) return std::nullopt;
  json::object detail = after.doc();
  detail.erase("tags");  // not part of the event's detail
  return envelope(change, kTaskStateChange, after.arn(), std::move(detail));
}

std::string cluster_arn_of(const state::ContainerInstanceRecord& instance) {
  return instance.arn().substr(0, instance.arn().find(":container-instance/")) + ":cluster/" +
         instance.cluster;
}

json::object instance_event(const state::LoggedChange& change) {
  const auto& after = std::get<state::ContainerInstanceRecord>(*change.after);
  json::object detail = after.doc;
  detail.erase("tags");
  detail["clusterArn"] = cluster_arn_of(after);
  return envelope(change, kContainerInstanceStateChange, after.arn(), std::move(detail));
}

// What a health change is about: the overall status and each check's
// status and reason, not when they were last read.
json::array health_verdict(const json::object& health) {
  json::array verdict{health.at("overallStatus")};
  for (const auto& detail : health.at("details").as_array()) {
    const json::object& check = detail.as_object();
    verdict.emplace_back(core::string_member(check, "type") + ":" +
                         core::string_member(check, "status") + ":" +
                         core::string_member(check, "statusReason"));
  }
  return verdict;
}

// ECS's shape (docs.aws.amazon.com/AmazonECS/latest/developerguide/
// ecs_container_instance_health_events.html): the instance, its overall
// status and its checks. A new instance has no transition to tell.
std::optional<json::object> health_event(const state::LoggedChange& change) {
  const auto& after = std::get<state::ContainerInstanceRecord>(*change.after);
  const auto* before =
      change.before ? std::get_if<state::ContainerInstanceRecord>(change.before.get()) : nullptr;
  if (!before) return std::nullopt;
  json::object now = instance_health(after, after.agent_connected());
  if (health_verdict(instance_health(*before, before->agent_connected())) == health_verdict(now)) {
    return std::nullopt;
  }
  json::array checks = now.at("details").as_array();
  for (auto& check : checks) {
    json::object& result = check.as_object();
    for (std::string_view name : {"lastUpdated", "lastStatusChange"}) {
      const json::value* at = result.if_contains(name);
      if (at && at->is_number() && at->to_number<double>() <= 0) result.erase(name);
    }
    timestamps_as_iso8601(result);
  }
  std::string provider = core::string_member(after.doc, "capacityProviderName");
  json::object detail{{"clusterArn", cluster_arn_of(after)},
                      {"containerInstanceArn", after.arn()},
                      {"capacityProviderName", provider.empty() ? json::value(nullptr)
                                                                : json::value(provider)},
                      {"ec2InstanceId", core::string_member(after.doc, "ec2InstanceId")},
                      {"overallStatus", now.at("overallStatus")},
                      {"healthChecks", std::move(checks)}};
  return envelope(change, kContainerInstanceHealthChange, after.arn(), std::move(detail));
}

}  // namespace

std::string iso8601(core::SystemTime time) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  std::time_t seconds =
      static_cast<std::time_t>(std::chrono::floor<std::chrono::seconds>(millis).count());
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ",
                static_cast<long long>(millis.count() - seconds * 1000LL));
  return text;
}

std::vector<json::object> ecs_events(const state::LoggedChange& change) {
  std::vector<json::object> events;
  if (!change.after) return events;
  if (std::holds_alternative<state::TaskRecord>(*change.after)) {
    if (auto event = task_event(change)) events.push_back(std::move(*event));
  } else if (std::holds_alternative<state::ContainerInstanceRecord>(*change.after)) {
    events.push_back(instance_event(change));
    if (auto health = health_event(change)) events.push_back(std::move(*health));
  }
  return events;
}

}  // namespace gantry::ecs
