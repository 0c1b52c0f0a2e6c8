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

json::object desired_tasks_message(const DesiredTasks& desired,
                                   std::set<std::string, std::less<>>* sent) {
  json::object definitions;
  json::array list;
  for (const auto& t : desired.tasks) {
    std::string definition_arn;
    const auto* arn =
        t.task_definition ? t.task_definition->if_contains("taskDefinitionArn") : nullptr;
    if (arn && arn->is_string()) definition_arn = arn->get_string();
    if (t.task_definition && !definitions.contains(definition_arn) &&
        !(sent && sent->contains(definition_arn))) {
      definitions[definition_arn] = *t.task_definition;
    }
    json::object task{{"taskArn", t.task_arn},
                      {"desiredStatus", t.desired_status},
                      {"taskDefinitionArn", definition_arn},
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
  if (sent) {
    for (const auto& [arn, definition] : definitions) sent->emplace(arn);
  }
  json::array removed;
  for (const auto& arn : desired.removed) removed.emplace_back(arn);
  return {{"type", "desiredTasks"},
          {"complete", desired.complete},
          {"taskDefinitions", std::move(definitions)},
          {"tasks", std::move(list)},
          {"removedTasks", std::move(removed)}};
}

json::object task_states_message(json::array reports) {
  return {{"type", "taskStates"}, {"reports", std::move(reports)}};
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

namespace {

using SharedDefinition = std::shared_ptr<const json::object>;

// A task's definition: inline (as agents before message-level definitions
// stored it), or named in the message's taskDefinitions (copied once for
// all the tasks that name it), or in an earlier message's.
SharedDefinition definition_of(const json::object& task, const json::object* definitions,
                               TaskDefinitions& parsed) {
  if (const auto* inline_definition = task.if_contains("taskDefinition")) {
    if (!inline_definition->is_object())
      throw std::runtime_error("a task definition is not an object");
    return std::make_shared<const json::object>(inline_definition->get_object());
  }
  std::string arn = string_of(task, "taskDefinitionArn");
  if (auto it = parsed.find(arn); it != parsed.end()) return it->second;
  const json::value* found = definitions ? definitions->if_contains(arn) : nullptr;
  if (!found || !found->is_object()) {
    throw std::runtime_error("the channel has not carried task definition " + arn);
  }
  auto definition = std::make_shared<const json::object>(found->get_object());
  parsed.emplace(std::move(arn), definition);
  return definition;
}

}  // namespace

DesiredTasks parse_desired_tasks(const json::object& message) {
  TaskDefinitions none;
  return parse_desired_tasks(message, none);
}

DesiredTasks parse_desired_tasks(const json::object& message, TaskDefinitions& known) {
  expect_type(message, "desiredTasks");
  DesiredTasks out;
  if (const auto* complete = message.if_contains("complete")) {
    if (!complete->is_bool()) throw bad_member("complete", "is not a boolean");
    out.complete = complete->get_bool();
  }
  const json::object* definitions = nullptr;
  if (const auto* d = message.if_contains("taskDefinitions")) {
    definitions = &object_in(*d, "desiredTasks.taskDefinitions");
  }
  for (const auto& item : array_of(message, "tasks")) {
    const json::object& t = object_in(item, "a desired task");
    const json::value& overrides = member(t, "overrides");
    if (!overrides.is_object()) throw bad_member("overrides", "is not an object");
    DesiredTask task{string_of(t, "taskArn"),
                     string_of(t, "desiredStatus"),
                     definition_of(t, definitions, known),
                     overrides.get_object(),
                     {}};
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
    out.tasks.push_back(std::move(task));
  }
  if (const auto* removed = message.if_contains("removedTasks")) {
    if (!removed->is_array()) throw bad_member("removedTasks", "is not an array");
    for (const auto& arn : removed->get_array()) {
      if (!arn.is_string()) throw bad_member("removedTasks", "holds a non-string");
      out.removed.emplace_back(arn.get_string());
    }
  }
  return out;
}

std::vector<json::object> parse_task_states(const json::object& message) {
  expect_type(message, "taskStates");
  std::vector<json::object> reports;
  for (const auto& report : array_of(message, "reports")) {
    reports.push_back(object_in(report, "a task state report"));
  }
  return reports;
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
