#include "state/records.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/arn.h"
#include "core/json_members.h"
#include "model/gpu_requests.h"
#include "model/task_lifecycle.h"

namespace gantry::state {

namespace json = boost::json;

namespace {

using core::string_member;

int64_t int_member(const json::object& doc, std::string_view name) {
  return core::int_member(doc, name, 0);
}

// The cluster is the first segment of "<prefix><cluster>/<id>".
json::array int_array(const std::vector<int32_t>& values) {
  json::array out;
  for (int32_t v : values) out.push_back(v);
  return out;
}

std::vector<int32_t> int_vector(const json::object& doc, std::string_view name) {
  std::vector<int32_t> out;
  if (auto* v = doc.if_contains(name); v && v->is_array()) {
    for (const auto& item : v->get_array()) {
      if (item.is_int64()) out.push_back(static_cast<int32_t>(item.get_int64()));
    }
  }
  return out;
}

json::object encode_reservation(const Reservation& r) {
  json::array gpus;
  for (const auto& id : r.gpu_ids) gpus.push_back(json::string(id));
  return {{"cpu", r.cpu},
          {"memory", r.memory},
          {"tcpPorts", int_array(r.tcp_ports)},
          {"udpPorts", int_array(r.udp_ports)},
          {"gpuIds", std::move(gpus)}};
}

Reservation decode_reservation(const json::object& doc) {
  Reservation r;
  r.cpu = int_member(doc, "cpu");
  r.memory = int_member(doc, "memory");
  r.tcp_ports = int_vector(doc, "tcpPorts");
  r.udp_ports = int_vector(doc, "udpPorts");
  if (auto* v = doc.if_contains("gpuIds"); v && v->is_array()) {
    for (const auto& id : v->get_array()) {
      if (id.is_string()) r.gpu_ids.emplace_back(id.get_string());
    }
  }
  return r;
}

// The task status a member names, as a view of its constant name.
std::string_view status_name(const json::object& doc, std::string_view name) {
  auto* v = doc.if_contains(name);
  if (!v || !v->is_string()) return {};
  auto status = model::parse_task_status(v->get_string());
  return status ? model::task_status_name(*status) : std::string_view();
}

const json::object& object_member(const json::object& doc, std::string_view name,
                                  std::string_view key) {
  auto* v = doc.if_contains(name);
  if (!v || !v->is_object())
    throw std::runtime_error("corrupt record under key " + std::string(key));
  return v->get_object();
}

// A task is stored as one format byte, the size of a JSON header (4 bytes,
// little-endian), the header (where and what it holds), then its document
// compressed: a third of its text, so a commit writes a third of the
// pages. Older stores hold a task as one JSON object, which starts with '{'.
constexpr std::string_view kCompactTask = "\x01";
constexpr size_t kCompactHeader = kCompactTask.size() + 4;

std::string encode_task(const TaskRecord& task) {
  std::string header =
      json::serialize(json::object{{"reservation", encode_reservation(task.reservation)},
                                   {"clientToken", task.client_token},
                                   {"instanceId", task.instance_id}});
  std::string_view doc = task.compact_doc().bytes();
  std::string out;
  out.reserve(kCompactHeader + header.size() + doc.size());
  out += kCompactTask;
  for (size_t i = 0; i < 4; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out += header;
  out += doc;
  return out;
}

TaskRecord decode_compact_task(std::string_view key, std::string_view value) {
  const std::runtime_error corrupt("corrupt task under key " + std::string(key));
  if (value.size() < kCompactHeader) throw corrupt;
  size_t size = 0;
  for (size_t i = 0; i < 4; ++i) {
    size |= static_cast<size_t>(static_cast<uint8_t>(value[kCompactTask.size() + i])) << (8 * i);
  }
  if (size > value.size() - kCompactHeader) throw corrupt;
  json::error_code ec;
  json::value header = json::parse(value.substr(kCompactHeader, size), ec);
  if (ec || !header.is_object()) throw corrupt;
  const json::object& h = header.get_object();
  return TaskRecord{parse_scoped_key(key, kTaskPrefix).first,
                    CompactText::from_bytes(value.substr(kCompactHeader + size)),
                    decode_reservation(object_member(h, "reservation", key)),
                    string_member(h, "clientToken"), string_member(h, "instanceId")};
}
}  // namespace

std::string ClusterRecord::name() const { return string_member(doc, "clusterName"); }

bool ClusterRecord::active() const { return string_member(doc, "status") == "ACTIVE"; }

std::string TaskDefinitionRecord::family() const { return string_member(doc, "family"); }
int64_t TaskDefinitionRecord::revision() const {
  auto* v = doc.if_contains("revision");
  return v && v->is_int64() ? v->get_int64() : 0;
}
std::string TaskDefinitionRecord::status() const { return string_member(doc, "status"); }

std::string ContainerInstanceRecord::arn() const {
  return string_member(doc, "containerInstanceArn");
}
std::string ContainerInstanceRecord::id() const {
  return std::string(core::arn_last_segment(arn()));
}
std::string ContainerInstanceRecord::status() const { return string_member(doc, "status"); }
bool ContainerInstanceRecord::agent_connected() const {
  auto* v = doc.if_contains("agentConnected");
  return v && v->is_bool() && v->get_bool();
}
bool ContainerInstanceRecord::gpu_unhealthy(std::string_view uuid) const {
  for (const auto& request : gpu_requests) {
    if (!request.is_object() || string_member(request.get_object(), "kind") != model::kGpuHold) {
      continue;
    }
    if (const json::array* gpus = core::array_member(request.get_object(), "gpus")) {
      for (const auto& gpu : *gpus) {
        if (gpu.is_string() && gpu.get_string() == uuid) return true;
      }
    }
  }
  for (const auto& gpu : gpu_health) {
    if (!gpu.is_object()) continue;
    if (string_member(gpu.get_object(), "uuid") == uuid) {
      return string_member(gpu.get_object(), "healthStatus") == "UNHEALTHY";
    }
  }
  return false;
}

std::string ServiceRecord::name() const { return string_member(doc, "serviceName"); }
std::string ServiceRecord::arn() const { return string_member(doc, "serviceArn"); }
std::string ServiceRecord::status() const { return string_member(doc, "status"); }

std::string JobRecord::id() const { return string_member(doc, "jobId"); }
std::string JobRecord::arn() const { return string_member(doc, "jobArn"); }
std::string JobRecord::status() const { return string_member(doc, "status"); }

std::string CapacityProviderRecord::name() const { return string_member(doc, "name"); }
std::string CapacityProviderRecord::status() const { return string_member(doc, "status"); }

TaskRecord::TaskRecord(std::string cluster, const json::object& doc, Reservation reservation,
                       std::string client_token, std::string instance_id)
    : cluster(std::move(cluster)),
      reservation(std::move(reservation)),
      client_token(std::move(client_token)),
      instance_id(std::move(instance_id)) {
  set_doc(doc);
}

TaskRecord::TaskRecord(std::string cluster, CompactText doc, Reservation reservation,
                       std::string client_token, std::string instance_id)
    : cluster(std::move(cluster)),
      reservation(std::move(reservation)),
      client_token(std::move(client_token)),
      instance_id(std::move(instance_id)),
      doc_(std::move(doc)) {
  DocScratch scratch;
  json::value parsed = json::parse(doc_.text(), scratch.storage());
  if (!parsed.is_object()) throw std::runtime_error("a stored task is not an object");
  read_members(parsed.get_object());
}

json::object TaskRecord::doc(json::storage_ptr storage) const {
  json::value parsed = json::parse(doc_.text(), std::move(storage));
  return std::move(parsed.as_object());
}

void TaskRecord::set_doc(const json::object& doc) {
  doc_ = CompactText(json::serialize(doc));
  read_members(doc);
}

void TaskRecord::read_members(const json::object& doc) {
  arn_ = string_member(doc, "taskArn");
  last_status_ = status_name(doc, "lastStatus");
  desired_status_ = status_name(doc, "desiredStatus");
  group_ = string_member(doc, "group");
  started_by_ = string_member(doc, "startedBy");
  version_ = int_member(doc, "version");
  stopped_at_ = {};
  if (auto* v = doc.if_contains("stoppedAt"); v && v->is_number()) {
    stopped_at_ = core::from_epoch_seconds(v->to_number<double>());
  }
}

std::optional<core::SystemTime> TaskRecord::stopped_at() const {
  if (stopped_at_ == core::SystemTime{}) return std::nullopt;
  return stopped_at_;
}

std::string_view TaskRecord::id() const { return core::arn_last_segment(arn_); }

std::string encode_record(const Record& record) {
  return std::visit(
      [](const auto& r) -> std::string {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ClusterRecord>) {
          return json::serialize(r.doc);
        } else if constexpr (std::is_same_v<T, TaskDefinitionRecord>) {
          return json::serialize(json::object{{"taskDefinition", r.doc}, {"tags", r.tags}});
        } else if constexpr (std::is_same_v<T, AccountSettingRecord>) {
          return json::serialize(json::object{
              {"principalArn", r.principal_arn}, {"name", r.name}, {"value", r.value}});
        } else if constexpr (std::is_same_v<T, ContainerInstanceRecord>) {
          if (r.gpu_health.empty() && r.gpu_requests.empty()) return json::serialize(r.doc);
          json::object stored = r.doc;
          if (!r.gpu_health.empty()) stored[kGpuHealthMember] = r.gpu_health;
          if (!r.gpu_requests.empty()) stored[kGpuRequestsMember] = r.gpu_requests;
          return json::serialize(stored);
        } else if constexpr (std::is_same_v<T, CapacityProviderRecord>) {
          return json::serialize(r.doc);
        } else if constexpr (std::is_same_v<T, JobRecord>) {
          return json::serialize(json::object{{"job", r.doc}, {"request", r.request}});
        } else if constexpr (std::is_same_v<T, ServiceRecord>) {
          return json::serialize(json::object{
              {"service", r.doc},
                                              {"clientToken", r.client_token},
                                              {"request", r.request},
                                              {"scheduler", r.scheduler}});
        } else {
          return encode_task(r);
        }
      },
      record);
}

Record decode_record(std::string_view key, std::string_view value) {
  if (key.starts_with(kTaskPrefix) && value.starts_with(kCompactTask)) {
    return decode_compact_task(key, value);
  }
  json::error_code ec;
  json::value parsed = json::parse(value, ec);
  if (ec || !parsed.is_object())
    throw std::runtime_error("corrupt record under key " + std::string(key));
  json::object& doc = parsed.as_object();
  if (key.starts_with(kClusterPrefix)) return ClusterRecord{std::move(doc)};
  if (key.starts_with(kTaskDefinitionPrefix)) {
    auto* definition = doc.if_contains("taskDefinition");
    auto* tags = doc.if_contains("tags");
    if (!definition || !definition->is_object() || !tags || !tags->is_array())
      throw std::runtime_error("corrupt task definition under key " + std::string(key));
    return TaskDefinitionRecord{std::move(definition->as_object()), std::move(tags->as_array())};
  }
  if (key.starts_with(kAccountSettingPrefix)) {
    return AccountSettingRecord{string_member(doc, "principalArn"), string_member(doc, "name"),
                                string_member(doc, "value")};
  }
  if (key.starts_with(kContainerInstancePrefix)) {
    auto take_array = [&](std::string_view member) {
      json::array out;
      if (auto* stored = doc.if_contains(member)) {
        if (!stored->is_array()) {
          throw std::runtime_error("corrupt " + std::string(member) + " under key " +
                                   std::string(key));
        }
        out = std::move(stored->get_array());
        doc.erase(member);
      }
      return out;
    };
    json::array gpu_health = take_array(kGpuHealthMember);
    json::array gpu_requests = take_array(kGpuRequestsMember);
    return ContainerInstanceRecord{parse_scoped_key(key, kContainerInstancePrefix).first,
                                   std::move(doc), std::move(gpu_health), std::move(gpu_requests)};
  }
  if (key.starts_with(kCapacityProviderPrefix)) return CapacityProviderRecord{std::move(doc)};
  if (key.starts_with(kServicePrefix)) {
    return ServiceRecord{parse_scoped_key(key, kServicePrefix).first,
                         object_member(doc, "service", key), string_member(doc, "clientToken"),
                         object_member(doc, "request", key),
                         object_member(doc, "scheduler", key)};
  }
  if (key.starts_with(kJobPrefix)) {
    return JobRecord{parse_scoped_key(key, kJobPrefix).first, object_member(doc, "job", key),
                     object_member(doc, "request", key)};
  }
  if (key.starts_with(kTaskPrefix)) {
    // Before the compact format, tasks were all JSON.
    return TaskRecord{parse_scoped_key(key, kTaskPrefix).first, object_member(doc, "task", key),
                      decode_reservation(object_member(doc, "reservation", key)),
                      string_member(doc, "clientToken"), string_member(doc, "instanceId")};
  }
  throw std::runtime_error("unknown record key " + std::string(key));
}

bool only_agent_connection_changed(const Record* before, const Record* after) {
  auto* was = before ? std::get_if<ContainerInstanceRecord>(before) : nullptr;
  auto* now = after ? std::get_if<ContainerInstanceRecord>(after) : nullptr;
  if (!was || !now || was->agent_connected() == now->agent_connected()) return false;
  if (was->gpu_health != now->gpu_health || was->gpu_requests != now->gpu_requests) return false;
  constexpr std::string_view kConnected = "agentConnected";
  auto others = [&](const boost::json::object& doc) { return doc.size() - doc.contains(kConnected); };
  if (others(was->doc) != others(now->doc)) return false;
  for (const auto& member : now->doc) {
    if (member.key() == kConnected) continue;
    auto* value = was->doc.if_contains(member.key());
    if (!value || *value != member.value()) return false;
  }
  return true;
}

}  // namespace gantry::state
