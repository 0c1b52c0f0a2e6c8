#include "ecs/container_instance_view.h"

#include <algorithm>
#include <charconv>

namespace gantry::ecs {

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

RegisteredResources registered_resources(const state::ContainerInstanceRecord& instance) {
  const json::object& doc = instance.doc;
  std::vector<std::string> gpus = registered_strings(doc, "GPU");
  std::erase_if(gpus, [&](const std::string& uuid) { return instance.gpu_unhealthy(uuid); });
  return {registered_integer(doc, "CPU"), registered_integer(doc, "MEMORY"),
          port_set(registered_strings(doc, "PORTS")),
          port_set(registered_strings(doc, "PORTS_UDP")), std::move(gpus)};
}

InstanceUsage usage_of(const RegisteredResources& registered, const state::InstanceHoldings& held,
                       std::string_view cluster, bool with_devices) {
  InstanceUsage usage;
  usage.remaining_cpu = registered.cpu - held.cpu;
  usage.remaining_memory = registered.memory - held.memory;
  if (with_devices) {
    usage.used_tcp_ports = registered.tcp_ports;
    usage.used_tcp_ports.insert(held.tcp_ports.begin(), held.tcp_ports.end());
    usage.used_udp_ports = registered.udp_ports;
    usage.used_udp_ports.insert(held.udp_ports.begin(), held.udp_ports.end());
    for (const auto& gpu : registered.gpu_ids) {
      if (!held.gpu_ids.contains(gpu)) usage.free_gpu_ids.push_back(gpu);
    }
  }
  usage.running_tasks = held.running_tasks;
  usage.pending_tasks = held.pending_tasks;
  if (cluster.empty()) return usage;
  const std::string prefix = state::group_key(cluster, "");
  for (auto it = held.groups.lower_bound(prefix);
       it != held.groups.end() && it->first.starts_with(prefix); ++it) {
    usage.task_groups.insert(it->first.substr(prefix.size()), it->second);
  }
  return usage;
}

InstanceUsage usage_of(const state::ClusterState& state,
                       const state::ContainerInstanceRecord& instance) {
  return usage_of(registered_resources(instance), state.holdings(instance.id()),
                  instance.cluster);
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

}  // namespace gantry::ecs
