#include "api/container_instance_view.h"

#include <algorithm>
#include <charconv>

#include "model/task_lifecycle.h"

namespace gantry::api {

namespace json = boost::json;

namespace {

const json::object* registered_resource(const json::object& doc, std::string_view name) {
  auto* resources = doc.if_contains("registeredResources");
  if (!resources || !resources->is_array()) return nullptr;
  for (const auto& r : resources->get_array()) {
    if (!r.is_object()) continue;
    auto* n = r.get_object().if_contains("name");
    if (n && n->is_string() && n->get_string() == name) return &r.get_object();
  }
  return nullptr;
}

std::set<int32_t> port_set(const std::vector<std::string>& ports) {
  std::set<int32_t> out;
  for (const auto& text : ports) {
    int32_t port = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec == std::errc() && end == text.data() + text.size()) out.insert(port);
  }
  return out;
}

template <class Values>
json::array string_array(const Values& values) {
  json::array out;
  for (const auto& v : values) {
    if constexpr (std::is_integral_v<std::decay_t<decltype(v)>>) {
      out.push_back(json::string(std::to_string(v)));
    } else {
      out.push_back(json::string(v));
    }
  }
  return out;
}

}  // namespace

json::object integer_resource(std::string_view name, int64_t value) {
  return {{"name", name}, {"type", "INTEGER"}, {"doubleValue", 0.0}, {"longValue", 0},
          {"integerValue", value}};
}

json::object string_set_resource(std::string_view name, const json::array& values) {
  return {{"name", name}, {"type", "STRINGSET"}, {"doubleValue", 0.0}, {"longValue", 0},
          {"integerValue", 0}, {"stringSetValue", values}};
}

int64_t registered_integer(const json::object& doc, std::string_view name) {
  const json::object* r = registered_resource(doc, name);
  if (!r) return 0;
  auto* v = r->if_contains("integerValue");
  return v && v->is_int64() ? v->get_int64() : 0;
}

std::vector<std::string> registered_strings(const json::object& doc, std::string_view name) {
  std::vector<std::string> out;
  const json::object* r = registered_resource(doc, name);
  if (!r) return out;
  auto* v = r->if_contains("stringSetValue");
  if (!v || !v->is_array()) return out;
  for (const auto& s : v->get_array()) {
    if (s.is_string()) out.emplace_back(s.get_string());
  }
  return out;
}

InstanceUsage usage_of(const state::ClusterState& state,
                       const state::ContainerInstanceRecord& instance) {
  InstanceUsage usage;
  usage.remaining_cpu = registered_integer(instance.doc, "CPU");
  usage.remaining_memory = registered_integer(instance.doc, "MEMORY");
  usage.used_tcp_ports = port_set(registered_strings(instance.doc, "PORTS"));
  usage.used_udp_ports = port_set(registered_strings(instance.doc, "PORTS_UDP"));
  std::set<std::string> taken_gpus;
  for (const state::TaskRecord* task : state.tasks_on(instance.cluster, instance.id())) {
    auto status = model::parse_task_status(task->last_status());
    if (!status || *status == model::TaskStatus::kStopped) continue;
    const state::Reservation& r = task->reservation;
    usage.remaining_cpu -= r.cpu;
    usage.remaining_memory -= r.memory;
    usage.used_tcp_ports.insert(r.tcp_ports.begin(), r.tcp_ports.end());
    usage.used_udp_ports.insert(r.udp_ports.begin(), r.udp_ports.end());
    taken_gpus.insert(r.gpu_ids.begin(), r.gpu_ids.end());
    if (*status == model::TaskStatus::kRunning) ++usage.running_tasks;
    if (model::is_pending(*status)) ++usage.pending_tasks;
    if (auto* group = task->doc.if_contains("group"); group && group->is_string()) {
      usage.task_groups.emplace(group->get_string());
    }
  }
  for (auto& gpu : registered_strings(instance.doc, "GPU")) {
    if (!taken_gpus.contains(gpu)) usage.free_gpu_ids.push_back(std::move(gpu));
  }
  return usage;
}

json::object render_container_instance(const state::ContainerInstanceRecord& instance,
                                       const InstanceUsage& usage, bool agent_connected,
                                       bool include_tags) {
  json::object out = instance.doc;
  if (!include_tags) out.erase("tags");
  json::array remaining;
  remaining.push_back(integer_resource("CPU", usage.remaining_cpu));
  remaining.push_back(integer_resource("MEMORY", usage.remaining_memory));
  remaining.push_back(string_set_resource("PORTS", string_array(usage.used_tcp_ports)));
  remaining.push_back(string_set_resource("PORTS_UDP", string_array(usage.used_udp_ports)));
  if (!registered_strings(instance.doc, "GPU").empty()) {
    remaining.push_back(string_set_resource("GPU", string_array(usage.free_gpu_ids)));
  }
  out["remainingResources"] = std::move(remaining);
  out["runningTasksCount"] = usage.running_tasks;
  out["pendingTasksCount"] = usage.pending_tasks;
  out["agentConnected"] = agent_connected;
  return out;
}

}  // namespace gantry::api
