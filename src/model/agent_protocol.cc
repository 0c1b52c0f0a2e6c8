#include "model/agent_protocol.h"

#include <stdexcept>

namespace gantry::model {

namespace json = boost::json;

namespace {

const json::value& member(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v) throw std::runtime_error("agent message lacks " + std::string(name));
  return *v;
}

std::string string_of(const json::object& o, std::string_view name) {
  const json::value& v = member(o, name);
  if (!v.is_string()) throw std::runtime_error("agent message member " + std::string(name) + " is not a string");
  return std::string(v.get_string());
}

std::runtime_error bad_member(std::string_view name, std::string_view problem) {
  return std::runtime_error("agent message member " + std::string(name) + " " + std::string(problem));
}

// A non-negative JSON number, integer or not.
double number_of(const json::object& o, std::string_view name) {
  const json::value& v = member(o, name);
  if (!v.is_number()) throw bad_member(name, "is not a number");
  double number = v.to_number<double>();
  if (number < 0) throw bad_member(name, "is negative");
  return number;
}

int64_t integer_of(const json::object& o, std::string_view name) {
  const json::value& v = member(o, name);
  if (!v.is_int64() || v.get_int64() < 0) throw bad_member(name, "is not a non-negative integer");
  return v.get_int64();
}

const json::array& array_of(const json::object& o, std::string_view name) {
  const json::value& v = member(o, name);
  if (!v.is_array()) throw bad_member(name, "is not an array");
  return v.get_array();
}

const json::object& object_in(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw std::runtime_error(std::string(what) + " is not an object");
  return v.get_object();
}

void expect_type(const json::object& message, std::string_view type) {
  if (string_of(message, "type") != type) {
    throw std::runtime_error("expected a " + std::string(type) + " message");
  }
}

}  // namespace

json::object desired_tasks_message(const std::vector<DesiredTask>& tasks) {
  json::array list;
  for (const auto& t : tasks) {
    json::object task{{"taskArn", t.task_arn},
                      {"desiredStatus", t.desired_status},
                      {"taskDefinition", t.task_definition},
                      {"overrides", t.overrides}};
    if (!t.gpu_ids.empty()) {
      json::object gpus;
      for (const auto& [container, ids] : t.gpu_ids) {
        json::array list;
        for (const auto& id : ids) list.emplace_back(id);
        gpus[container] = std::move(list);
      }
      task["gpuIds"] = std::move(gpus);
    }
    list.push_back(std::move(task));
  }
  return {{"type", "desiredTasks"}, {"tasks", std::move(list)}};
}

json::object health_message(const HealthReport& report) {
  json::array containers;
  for (const auto& [name, status] : report.containers) {
    containers.push_back(json::object{{"name", name}, {"healthStatus", status}});
  }
  return {{"type", "health"},
          {"taskArn", report.task_arn},
          {"healthStatus", report.health_status},
          {"containers", std::move(containers)}};
}

json::object stats_message(const StatsReport& report) {
  json::array tasks;
  for (const auto& task : report.tasks) {
    json::array containers;
    for (const auto& c : task.containers) {
      containers.push_back(json::object{{"name", c.name},
                                        {"runtimeId", c.runtime_id},
                                        {"cpuPercent", c.cpu_percent},
                                        {"memoryBytes", c.memory_bytes},
                                        {"memoryLimitBytes", c.memory_limit_bytes}});
    }
    tasks.push_back(json::object{{"taskArn", task.task_arn}, {"containers", std::move(containers)}});
  }
  return {{"type", "stats"}, {"sampledAt", report.sampled_at}, {"tasks", std::move(tasks)}};
}

std::string message_type(const json::object& message) { return string_of(message, "type"); }

std::vector<DesiredTask> parse_desired_tasks(const json::object& message) {
  expect_type(message, "desiredTasks");
  const json::value& tasks = member(message, "tasks");
  if (!tasks.is_array()) throw std::runtime_error("desiredTasks.tasks is not an array");
  std::vector<DesiredTask> out;
  for (const auto& item : tasks.get_array()) {
    if (!item.is_object()) throw std::runtime_error("a desired task is not an object");
    const json::object& t = item.get_object();
    const json::value& definition = member(t, "taskDefinition");
    const json::value& overrides = member(t, "overrides");
    if (!definition.is_object() || !overrides.is_object()) {
      throw std::runtime_error("a desired task lacks its definition or overrides");
    }
    DesiredTask task{string_of(t, "taskArn"), string_of(t, "desiredStatus"),
                     definition.get_object(), overrides.get_object(), {}};
    if (const auto* gpus = t.if_contains("gpuIds")) {
      if (!gpus->is_object()) throw std::runtime_error("a desired task's gpuIds is not an object");
      for (const auto& [container, ids] : gpus->get_object()) {
        if (!ids.is_array()) throw std::runtime_error("gpuIds of a container is not an array");
        auto& out_ids = task.gpu_ids[std::string(container)];
        for (const auto& id : ids.get_array()) {
          if (!id.is_string()) throw std::runtime_error("a GPU id is not a string");
          out_ids.emplace_back(id.get_string());
        }
      }
    }
    out.push_back(std::move(task));
  }
  return out;
}

HealthReport parse_health(const json::object& message) {
  expect_type(message, "health");
  HealthReport report{string_of(message, "taskArn"), string_of(message, "healthStatus"), {}};
  const json::value& containers = member(message, "containers");
  if (!containers.is_array()) throw std::runtime_error("health.containers is not an array");
  for (const auto& c : containers.get_array()) {
    if (!c.is_object()) throw std::runtime_error("a container health is not an object");
    report.containers.emplace_back(string_of(c.get_object(), "name"),
                                   string_of(c.get_object(), "healthStatus"));
  }
  return report;
}

json::object task_address_message(const TaskAddress& address) {
  return {{"type", "taskAddress"},
          {"taskArn", address.task_arn},
          {"privateIPv4Address", address.private_ipv4_address}};
}

TaskAddress parse_task_address(const json::object& message) {
  expect_type(message, "taskAddress");
  return {string_of(message, "taskArn"), string_of(message, "privateIPv4Address")};
}

StatsReport parse_stats(const json::object& message) {
  expect_type(message, "stats");
  StatsReport report;
  report.sampled_at = number_of(message, "sampledAt");
  for (const auto& t : array_of(message, "tasks")) {
    const json::object& task = object_in(t, "a task's stats");
    TaskStats stats{string_of(task, "taskArn"), {}};
    for (const auto& c : array_of(task, "containers")) {
      const json::object& container = object_in(c, "a container's stats");
      stats.containers.push_back({string_of(container, "name"), string_of(container, "runtimeId"),
                                  number_of(container, "cpuPercent"),
                                  integer_of(container, "memoryBytes"),
                                  integer_of(container, "memoryLimitBytes")});
    }
    report.tasks.push_back(std::move(stats));
  }
  return report;
}

}  // namespace gantry::model
