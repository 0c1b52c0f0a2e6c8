#pragma once
// Runs containers as Docker containers through the Engine API, as the ECS
// agent does. Each container is named gantry-<task id>-<container>-<random>
// (a restarted container is a new one) and labelled with its task,
// container, cluster and container instance, so a restarted agent finds it
// again (the handle's state is its id) and clean_up_orphans() can remove
// what no task of this instance owns. Exits and health come from the engine's
// event stream (DockerEvents); slow calls (start with its pull, stop, exec,
// remove) run on the driver's own threads, so the agent's executor never
// waits on them.
//
// Per task, beyond its containers: Docker volumes for its task-scope and
// scratch volumes (removed with the task), and for awsvpc a small pause
// container that holds the task's network namespace, which every
// container of the task joins.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "agent/docker/docker_client.h"
#include "agent/driver.h"
#include "agent/drivers/docker_container_config.h"
#include "agent/drivers/docker_events.h"
#include "agent/drivers/docker_task_cgroup.h"
#include "core/random.h"

namespace gantry::agent {

// Labels on every container gantry makes.
inline constexpr const char* kLabelManaged = "com.gantry.managed";
inline constexpr const char* kLabelTaskArn = "com.gantry.task-arn";
inline constexpr const char* kLabelContainerName = "com.gantry.container-name";
inline constexpr const char* kLabelCluster = "com.gantry.cluster";
inline constexpr const char* kLabelContainerInstance = "com.gantry.container-instance";

struct DockerDriverOptions {
  std::string socket_path = "/var/run/docker.sock";
  // EFS file system id -> the directory where it is mounted on this machine.
  std::map<std::string, std::string> efs_directories;
  // JSON {"<credentialsParameter>": {"username": ..., "password": ...}}: the
  // registry credentials that repositoryCredentials name.
  std::filesystem::path registry_secrets_file;
  // Where a container's output is kept once the container is removed:
  // <log_dir>/<task id>/<container>/{stdout,stderr}.log, as the process
  // driver keeps it.
  std::filesystem::path log_dir;
};

class DockerDriver final : public Driver {
 public:
  // Throws std::runtime_error when no engine answers at options.socket_path.
  DockerDriver(boost::asio::any_io_executor executor, DockerDriverOptions options);
  ~DockerDriver() override;
  DockerDriver(const DockerDriver&) = delete;
  DockerDriver& operator=(const DockerDriver&) = delete;

  std::string name() const override { return "docker"; }
  // "Docker 20.10.24 (API 1.41)".
  const std::string& engine_description() const { return engine_; }

  // Off the agent's thread, one start at a time per task: pulls the image
  // when the engine lacks it (CannotPullContainerError when that fails),
  // then creates and starts the container.
  void start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
             OnCreated created = {}) override;
  void watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) override;
  void stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) override;
  void exec(const ContainerHandle& handle, std::vector<std::string> argv,
            std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) override;
  std::unique_ptr<LogSource> output(const ContainerHandle& handle) override;
  void remove(const ContainerHandle& handle) override;

  bool checks_health() const override { return true; }
  void watch_health(const ContainerHandle& handle,
                    std::function<void(std::string)> on_health) override;
  void remove_task(const TaskSpec& task) override;
  std::optional<boost::json::object> stats(const ContainerHandle& handle) override;

  // The address of the task's network namespace (awsvpc), "" before it exists.
  std::string task_address(const TaskSpec& task) override;
  void clean_up_orphans(const std::string& instance_arn,
                        const std::set<std::string>& known_tasks) override;
  std::vector<std::string> capabilities() const override;
  // The bridge network's gateway; 127.0.0.1 in host mode.
  std::string host_address(const TaskSpec& task) const override;


 private:
  ContainerHandle start_now(const TaskSpec& task, const ContainerSpec& container,
                            const std::string& name, const OnCreated& created);
  void ensure_image(const ContainerSpec& container);
  std::string registry_auth(const std::string& credentials) const;
  void ensure_volumes(const TaskSpec& task, const std::vector<ResolvedVolume>& volumes);
  std::string ensure_network_namespace(const TaskSpec& task);
  std::string create(const std::string& name, const boost::json::object& body);
  // Removes (forced) and waits until the engine no longer has it.
  void remove_and_wait(const std::string& name_or_id);
  // Appends the container's output to its files under options_.log_dir.
  void save_logs(const std::string& id, const boost::json::object& state);
  std::vector<NetworkBinding> bindings_of(const boost::json::object& inspected,
                                          const TaskSpec& task,
                                          const ContainerSpec& container) const;
  // The task's containers (pause included), newest first.
  boost::json::array containers_of(const TaskSpec& task);
  template <typename Work>
  void in_background(Work work);

  boost::asio::any_io_executor executor_;
  DockerDriverOptions options_;
  docker::DockerClient client_;
  std::string engine_;
  std::string bridge_gateway_;  // docker0's address, as containers see the host
  std::optional<DockerTaskCgroup> task_cgroup_;  // none: task-level limits unsupported
  std::unique_ptr<DockerEvents> events_;
  std::unique_ptr<core::Random> random_ = core::make_system_random();  // agent thread only
  boost::asio::thread_pool workers_{4};
  using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;
  // A task's starts run one at a time (its containers share the pause
  // container and volumes the first makes); tasks start side by side.
  // Agent thread only; an entry goes with remove_task().
  std::map<std::string, Strand> task_starts_;
  // Removals run one at a time: a task's removal must not race the saving
  // of its containers' logs.
  Strand removals_{workers_.get_executor()};
  // Handlers hold a weak_ptr to this: expired once the driver is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace gantry::agent
