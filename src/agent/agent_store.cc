#include "agent/agent_store.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gantry::agent {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string task_id_of(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }

}  // namespace

json::object read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  json::value parsed = json::parse(text.str());
  if (!parsed.is_object()) throw std::runtime_error(path.string() + " is not a JSON object");
  return std::move(parsed.as_object());
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

AgentStore::AgentStore(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_ / "tasks");
}

std::optional<std::string> AgentStore::instance_arn() const {
  fs::path path = dir_ / "instance.json";
  if (!fs::exists(path)) return std::nullopt;
  json::object doc = read_json(path);
  auto* arn = doc.if_contains("containerInstanceArn");
  if (!arn || !arn->is_string()) return std::nullopt;
  return std::string(arn->get_string());
}

void AgentStore::save_instance_arn(const std::string& arn) {
  write_file_atomically(dir_ / "instance.json",
                        json::serialize(json::object{{"containerInstanceArn", arn}}));
}

std::vector<StoredTask> AgentStore::tasks() const {
  std::vector<StoredTask> out;
  for (const auto& entry : fs::directory_iterator(dir_ / "tasks")) {
    if (entry.path().extension() != ".json") continue;
    try {
      json::object doc = read_json(entry.path());
      // A message of one task; files of older agents hold the bare task.
      const json::object& desired = doc.at("desired").as_object();
      json::object message =
          desired.contains("type")
              ? desired
              : json::object{{"type", "desiredTasks"}, {"tasks", json::array{desired}}};
      out.push_back({model::parse_desired_tasks(message).tasks.at(0),
                     task_status_from_json(doc.at("status").as_object())});
    } catch (const std::exception& error) {
      spdlog::warn("agent: skipping unreadable task file {}: {}", entry.path().string(),
                   error.what());
    }
  }
  return out;
}

void AgentStore::save_task(const model::DesiredTask& desired, const TaskStatus& status) {
  json::object doc{{"desired", model::desired_tasks_message({true, {desired}, {}})},
                   {"status", to_json(status)}};
  write_file_atomically(dir_ / "tasks" / (task_id_of(desired.task_arn) + ".json"),
                        json::serialize(doc));
}

void AgentStore::forget_task(const std::string& task_arn) {
  std::error_code ignored;
  fs::remove(dir_ / "tasks" / (task_id_of(task_arn) + ".json"), ignored);
}

}  // namespace gantry::agent
