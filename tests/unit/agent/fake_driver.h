#pragma once
// A Driver whose containers the test drives: it records what it was asked,
// fails starts on request, makes containers exit when told, and answers
// exec() with what the test chose. Callbacks are posted to the executor,
// as a real driver's are.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/driver.h"

namespace gantry::agent::testing {

class FakeDriver final : public Driver {
 public:
  struct StopCall {
    std::string name;
    std::chrono::milliseconds timeout;
  };
  struct ExecCall {
    std::string name;
    std::vector<std::string> argv;
    std::chrono::milliseconds timeout;
  };

  explicit FakeDriver(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  static std::string runtime_id_of(const std::string& name) { return "rt-" + name; }
  static ContainerHandle handle_of(const std::string& name) {
    return {runtime_id_of(name), boost::json::object{{"name", name}}};
  }

  std::string name() const override { return "fake"; }

  // Synchronous, as the process driver: `done` runs before start() returns;
  // with answer_later, as the Docker driver: the answer is held until
  // answer_starts() posts it.
  void start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
             OnCreated created = {}) override {
    if (!answer_later) return done(start_result_of([&] { return start_now(task, container); }));
    if (created)
      boost::asio::post(executor_, [created, id = runtime_id_of(container.name)] { created(id); });
    pending_starts_.push_back([this, task, container, done = std::move(done)] {
      done(start_result_of([&] { return start_now(task, container); }));
    });
  }

  // Posts the answers of the starts held so far.
  void answer_starts() {
    for (auto& answer : std::exchange(pending_starts_, {})) {
      boost::asio::post(executor_, std::move(answer));
    }
  }
  size_t starts_held() const { return pending_starts_.size(); }

  ContainerHandle start_now(const TaskSpec&, const ContainerSpec& container) {
    started.push_back(container.name);
    if (auto it = start_failures.find(container.name); it != start_failures.end()) {
      throw DriverError(it->second);
    }
    containers_[container.name] = Container{};
    auto handle = handle_of(container.name);
    if (unique_runtime_ids) {
      handle.runtime_id += "-" + std::to_string(++start_counts_[container.name]);
    }
    return handle;
  }

  void watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) override {
    const auto name = name_of(handle);
    watched.push_back(name);
    auto& c = containers_[name];
    if (c.exit) {
      post_exit(std::move(on_exit), *c.exit);
    } else {
      c.on_exit = std::move(on_exit);
    }
  }

  void stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) override {
    const auto name = name_of(handle);
    stops.push_back({name, timeout});
    if (exit_on_stop) exit(name, ExitStatus{.exit_code = 143});
  }

  void exec(const ContainerHandle& handle, std::vector<std::string> argv,
            std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) override {
    const auto name = name_of(handle);
    execs.push_back({name, std::move(argv), timeout});
    if (hang_exec) {
      unanswered_execs.push_back(std::move(done));
      return;
    }
    ExecResult result = exec_result ? exec_result(name) : ExecResult{};
    boost::asio::post(executor_, [done = std::move(done), result] { done(result); });
  }

  void remove(const ContainerHandle& handle) override {
    removed.push_back(name_of(handle));
    removed_runtime_ids.push_back(handle.runtime_id);
  }

  bool checks_health() const override { return runs_health_checks; }

  void watch_health(const ContainerHandle& handle,
                    std::function<void(std::string)> on_health) override {
    health_watches.push_back({name_of(handle), handle.runtime_id, std::move(on_health)});
  }

  // The driver's own check of health_watches[watch] reports `health` (posted).
  void report_health(std::size_t watch, std::string health) {
    boost::asio::post(executor_, [on_health = health_watches.at(watch).on_health,
                                  health = std::move(health)] { on_health(health); });
  }

  // The container exits: a watcher hears it (posted); a later watch() hears
  // it at once, as after an agent restart.
  void exit(const std::string& name, ExitStatus status) {
    auto& c = containers_[name];
    if (c.exit) return;
    c.exit = status;
    if (c.on_exit) post_exit(std::exchange(c.on_exit, nullptr), status);
  }

  int exec_count(const std::string& name) const {
    int n = 0;
    for (const auto& e : execs) n += e.name == name ? 1 : 0;
    return n;
  }

  // What the test sets.
  std::map<std::string, std::string> start_failures;  // name -> DriverError text
  std::function<ExecResult(const std::string& name)> exec_result;
  bool exit_on_stop = true;  // stop() makes the container exit 143 at once
  bool hang_exec = false;    // exec() never answers by itself
  // Each start gets a runtime id of its own ("rt-app-1", "rt-app-2", ...),
  // as a restarted Docker container does.
  bool unique_runtime_ids = false;
  bool runs_health_checks = false;  // checks_health(): watch_health() replaces exec()

  // What the driver was asked.
  bool answer_later = false;
  std::vector<std::string> started;
  std::vector<std::string> watched;
  std::vector<StopCall> stops;
  std::vector<ExecCall> execs;
  std::vector<std::string> removed;
  std::vector<std::string> removed_runtime_ids;
  struct HealthWatch {
    std::string name;
    std::string runtime_id;
    std::function<void(std::string)> on_health;
  };
  std::vector<HealthWatch> health_watches;
  std::vector<std::function<void(ExecResult)>> unanswered_execs;

 private:
  struct Container {
    std::optional<ExitStatus> exit;
    std::function<void(ExitStatus)> on_exit;
  };

  static std::string name_of(const ContainerHandle& handle) {
    const auto* name = handle.state.if_contains("name");
    return name && name->is_string() ? std::string(name->get_string()) : handle.runtime_id;
  }

  std::vector<std::function<void()>> pending_starts_;
  void post_exit(std::function<void(ExitStatus)> on_exit, ExitStatus status) {
    boost::asio::post(executor_, [on_exit = std::move(on_exit), status] { on_exit(status); });
  }

  boost::asio::any_io_executor executor_;
  std::map<std::string, Container> containers_;
  std::map<std::string, int> start_counts_;
};

}  // namespace gantry::agent::testing
