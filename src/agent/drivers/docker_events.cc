#include "agent/drivers/docker_events.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <vector>

#include "agent/docker/engine_json.h"
#include "agent/task_status.h"

namespace gantry::agent {

namespace json = boost::json;
using docker::object_field;
using docker::string_field;

namespace {

// Docker's health ("starting", "healthy", "unhealthy") as ECS names it.
std::string ecs_health(std::string_view docker_health) {
  if (docker_health == "healthy") return kHealthHealthy;
  if (docker_health == "unhealthy") return kHealthUnhealthy;
  return kHealthUnknown;
}

}  // namespace

DockerEvents::DockerEvents(docker::DockerClient& client, std::string label)
    : client_(client),
      label_(std::move(label)),
      since_(static_cast<int64_t>(std::time(nullptr)) - 1),
      thread_([this] { run(); }) {}

DockerEvents::~DockerEvents() {
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    if (connection_) connection_->interrupt();
  }
  thread_.join();
}

ExitStatus DockerEvents::exit_status(const json::object& inspected) {
  ExitStatus exit;
  const auto* state = object_field(inspected, "State");
  if (!state) {
    exit.exit_code = 255;
    exit.reason = "CannotInspectContainerError: the engine reported no state";
    return exit;
  }
  if (const auto* code = state->if_contains("ExitCode"); code && code->is_int64()) {
    exit.exit_code = static_cast<int>(code->get_int64());
  }
  if (const auto* oom = state->if_contains("OOMKilled"); oom && oom->is_bool()) {
    exit.oom_killed = oom->get_bool();
  }
  const auto error = string_field(*state, "Error");
  if (!error.empty()) exit.reason = "CannotStartContainerError: " + error;
  return exit;
}

void DockerEvents::watch_exit(const std::string& id, OnExit on_exit) {
  {
    std::lock_guard lock(mutex_);
    exits_[id] = std::move(on_exit);
  }
  deliver_if_exited(id);
}

void DockerEvents::watch_health(const std::string& id, OnHealth on_health) {
  std::string current;
  try {
    if (auto inspected = client_.inspect_container(id)) {
      if (const auto* state = object_field(*inspected, "State")) {
        if (const auto* health = object_field(*state, "Health")) {
          current = ecs_health(string_field(*health, "Status"));
        }
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("docker: cannot inspect container {} for its health: {}", id, e.what());
  }
  if (current == kHealthHealthy || current == kHealthUnhealthy) on_health(current);
  std::lock_guard lock(mutex_);
  health_[id] = std::move(on_health);
}

bool DockerEvents::deliver_if_exited(const std::string& id) {
  ExitStatus exit;
  try {
    auto inspected = client_.inspect_container(id);
    if (inspected) {
      if (docker::is_running(*inspected)) return false;
      exit = exit_status(*inspected);
    } else {
      exit.exit_code = 255;
      exit.reason = "CannotInspectContainerError: the container is gone from the Docker engine";
    }
  } catch (const std::exception& e) {
    spdlog::warn("docker: cannot inspect container {}: {}", id, e.what());
    return false;  // the next event or reconnect tries again
  }
  OnExit on_exit;
  {
    std::lock_guard lock(mutex_);
    auto it = exits_.find(id);
    if (it == exits_.end()) return true;  // delivered already
    on_exit = std::move(it->second);
    exits_.erase(it);
    health_.erase(id);
  }
  on_exit(std::move(exit));
  return true;
}

void DockerEvents::recheck_all() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, on_exit] : exits_) ids.push_back(id);
  }
  for (const auto& id : ids) deliver_if_exited(id);
}

void DockerEvents::handle(const json::object& event) {
  if (const auto* time = event.if_contains("time"); time && time->is_int64()) {
    since_ = time->get_int64();
  }
  const auto* actor = object_field(event, "Actor");
  if (!actor) return;
  const auto id = string_field(*actor, "ID");
  const auto action = string_field(event, "Action");
  if (action == "die") {
    deliver_if_exited(id);
  } else if (action.starts_with("health_status: ")) {
    const auto health = ecs_health(action.substr(std::string_view("health_status: ").size()));
    OnHealth on_health;
    {
      std::lock_guard lock(mutex_);
      auto it = health_.find(id);
      if (it == health_.end()) return;
      on_health = it->second;
    }
    on_health(health);
  }
}

void DockerEvents::run() {
  const json::object filters{{"type", json::array{"container"}},
                             {"label", json::array{json::string(label_)}}};
  bool first = true;
  while (!stopping_) {
    {
      // Under the lock the destructor interrupts with: either it sees this
      // connection, or this sees it stopping.
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      connection_ = client_.streaming_connection();
    }
    // Exits that happened while no stream was open are found by inspection.
    if (!first) recheck_all();
    first = false;
    try {
      client_.follow_events(*connection_, since_, filters,
                            [this](const json::object& event) { handle(event); });
    } catch (const std::exception& e) {
      if (!stopping_) spdlog::warn("docker: event stream broke: {}; reconnecting", e.what());
    }
    for (int i = 0; i < 10 && !stopping_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace gantry::agent
