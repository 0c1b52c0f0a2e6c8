#include "agent/drivers/process_runtime_state.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "agent/drivers/process_driver.h"
#include "agent/drivers/process_identity.h"

namespace gantry::agent {

namespace json = boost::json;
using launch::UserIds;

std::optional<uint64_t> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
  size_t name_end = text.rfind(')');  // the name may hold blanks and parentheses
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(name_end + 1));
  std::string field;
  for (int index = 3; index <= 22; ++index)
    if (!(fields >> field)) return std::nullopt;
  try {
    return std::stoull(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool is_process(pid_t pid, uint64_t start_time) {
  return pid > 0 && process_start_time(pid) == start_time;
}

json::object runtime_state_to_json(const RuntimeState& state) {
  json::array environment;
  for (const auto& variable : state.program.environment) environment.emplace_back(variable);
  json::object object{{"shim_pid", state.shim_pid},
                      {"shim_start_time", state.shim_start},
                      {"pid", state.pid},
                      {"pgid", state.pgid},
                      {"start_time", state.start},
                      {"dir", state.dir.string()},
                      {"cgroup", state.program.cgroup.string()},
                      {"stop_timeout_ms", state.stop_timeout_ms},
                      {"environment", std::move(environment)},
                      {"search_path", state.program.search_path},
                      {"working_directory", state.program.working_dir}};
  if (state.program.user) {
    json::array groups;
    for (gid_t gid : state.program.user->groups) groups.emplace_back(gid);
    object["user"] = json::object{{"uid", state.program.user->uid},
                                  {"gid", state.program.user->gid},
                                  {"groups", std::move(groups)},
                                  {"set_groups", state.program.user->set_groups}};
  }
  return object;
}

RuntimeState runtime_state_from_json(const json::object& object) {
  auto number = [](const json::object& o, const char* key) {
    return o.at(key).to_number<int64_t>();
  };
  RuntimeState state;
  state.shim_pid = static_cast<pid_t>(number(object, "shim_pid"));
  state.shim_start = object.at("shim_start_time").to_number<uint64_t>();
  state.pid = static_cast<pid_t>(number(object, "pid"));
  state.pgid = static_cast<pid_t>(number(object, "pgid"));
  state.start = object.at("start_time").to_number<uint64_t>();
  state.dir = std::string(object.at("dir").as_string());
  state.stop_timeout_ms = number(object, "stop_timeout_ms");
  state.program.cgroup = std::string(object.at("cgroup").as_string());
  for (const auto& variable : object.at("environment").as_array())
    state.program.environment.emplace_back(variable.as_string());
  state.program.search_path = object.at("search_path").as_string();
  state.program.working_dir = object.at("working_directory").as_string();
  if (const auto* user = object.if_contains("user")) {
    const auto& fields = user->as_object();
    UserIds ids;
    ids.uid = static_cast<uid_t>(number(fields, "uid"));
    ids.gid = static_cast<gid_t>(number(fields, "gid"));
    for (const auto& gid : fields.at("groups").as_array())
      ids.groups.push_back(static_cast<gid_t>(gid.to_number<int64_t>()));
    ids.set_groups = fields.at("set_groups").as_bool();
    state.program.user = std::move(ids);
  }
  if (state.shim_pid <= 0 || state.pgid <= 0 || state.dir.empty())
    throw std::invalid_argument("implausible process driver state");
  return state;
}

ProgramContext program_context(const ContainerSpec& container) {
  ProgramContext program;
  std::optional<std::string> path;
  for (const auto& [name, value] : container.environment) {
    program.environment.push_back(name + "=" + value);
    if (name == "PATH") path = value;
  }
  if (!path) program.environment.push_back(std::string("PATH=") + kDefaultContainerPath);
  const char* agent_path = std::getenv("PATH");
  program.search_path = path ? *path : (agent_path != nullptr ? agent_path : kDefaultContainerPath);
  program.working_dir = container.working_directory;
  program.user = resolve_user(container.user);
  return program;
}

}  // namespace gantry::agent
