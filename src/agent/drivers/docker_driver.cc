#include "agent/drivers/docker_driver.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <fstream>
#include <thread>
#include <sstream>

#include "agent/docker/engine_json.h"
#include "agent/docker/pause_image.h"
#include "agent/drivers/docker_container_config.h"
#include "agent/logs/docker_log_source.h"

namespace gantry::agent {

namespace json = boost::json;
using docker::DockerError;
using docker::object_field;
using docker::string_field;

namespace {

std::string docker_name(const TaskSpec& task, std::string_view container) {
  std::string name = "gantry-" + task.task_id + "-";
  for (char c : container) {  // Docker names allow [a-zA-Z0-9_.-]
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'
                       ? c
                       : '_');
  }
  return name;
}

std::string pause_name(const TaskSpec& task) { return "gantry-" + task.task_id + "-pause"; }

std::string container_id(const ContainerHandle& handle) { return handle.runtime_id; }

// The host's address on Docker's default bridge (docker0), where bridged
// containers reach the host. The network's IPAM often names no gateway, so
// it is read off the bridge interface.
std::optional<std::string> bridge_address(docker::DockerClient& client) {
  auto bridge = client.inspect_network("bridge");
  std::string interface = "docker0";
  if (bridge) {
    if (const auto* options = object_field(*bridge, "Options")) {
      auto name = string_field(*options, "com.docker.network.bridge.name");
      if (!name.empty()) interface = std::move(name);
    }
  }
  ifaddrs* addresses = nullptr;
  if (getifaddrs(&addresses) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (auto* a = addresses; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || interface != a->ifa_name) continue;
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) found = text;
  }
  freeifaddrs(addresses);
  return found;
}

void append(const std::filesystem::path& file, std::string_view data) {
  std::ofstream out(file, std::ios::app | std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

}  // namespace

DockerDriver::DockerDriver(boost::asio::any_io_executor executor, DockerDriverOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), client_(options_.socket_path) {
  const auto version = client_.version();
  engine_ = "Docker " + string_field(version, "Version") + " (API " +
            string_field(version, "ApiVersion") + ")";
  bridge_gateway_ = bridge_address(client_).value_or("127.0.0.1");
  const auto info = client_.info();
  if (string_field(info, "CgroupDriver") == "cgroupfs") {
    task_cgroup_.emplace("/sys/fs/cgroup", string_field(info, "CgroupVersion") == "2" ? 2 : 1);
  } else {
    spdlog::warn("docker: the engine's cgroup driver is {}, not cgroupfs: task-level cpu and "
                 "memory are not enforced (container-level limits are)",
                 string_field(info, "CgroupDriver"));
  }
  events_ = std::make_unique<DockerEvents>(client_, std::string(kLabelManaged) + "=true");
}

DockerDriver::~DockerDriver() {
  events_.reset();
  // Queued work is dropped (the containers outlive the agent, and the next
  // one reconciles them); calls under way are waited for.
  workers_.stop();
  workers_.join();
}

template <typename Work>
void DockerDriver::in_background(Work work) {
  boost::asio::post(workers_, std::move(work));
}

std::string DockerDriver::registry_auth(const std::string& credentials) const {
  if (credentials.empty()) return "";
  std::ifstream in(options_.registry_secrets_file);
  if (!in) {
    throw DriverError("CannotPullContainerError: repositoryCredentials name '" + credentials +
                      "', but the agent has no registry secrets file (--registry-secrets).");
  }
  std::stringstream text;
  text << in.rdbuf();
  json::error_code ec;
  auto secrets = json::parse(text.str(), ec);
  const json::value* entry = !ec && secrets.is_object()
                                 ? secrets.get_object().if_contains(credentials)
                                 : nullptr;
  if (!entry || !entry->is_object()) {
    throw DriverError("CannotPullContainerError: the registry secrets file has no entry '" +
                      credentials + "'.");
  }
  const auto auth = json::serialize(*entry);
  std::string encoded(boost::beast::detail::base64::encoded_size(auth.size()), '\0');
  encoded.resize(boost::beast::detail::base64::encode(encoded.data(), auth.data(), auth.size()));
  // The engine reads X-Registry-Auth as base64url.
  for (char& c : encoded) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return encoded;
}

void DockerDriver::ensure_image(const ContainerSpec& container) {
  if (container.image.empty()) throw cannot_start("the container definition names no image");
  try {
    if (client_.inspect_image(container.image)) return;
    spdlog::info("docker: pulling {}", container.image);
    client_.pull_image(container.image, registry_auth(container.registry_credentials));
  } catch (const DriverError&) {
    throw;
  } catch (const std::exception& e) {
    throw DriverError("CannotPullContainerError: Error response from daemon: " +
                      std::string(e.what()));
  }
}

void DockerDriver::ensure_volumes(const TaskSpec& task, const std::vector<ResolvedVolume>& volumes) {
  for (const auto& resolved : volumes) {
    if (resolved.bind) continue;
    const auto spec = std::find_if(task.volumes.begin(), task.volumes.end(),
                                   [&](const VolumeSpec& v) { return v.name == resolved.name; });
    if (spec == task.volumes.end()) continue;
    // A shared volume the operator made is used as it is; one that is
    // missing is made only when autoprovision asks for it.
    if (spec->kind == VolumeSpec::Kind::kDocker && spec->scope == "shared" && !spec->autoprovision) {
      continue;
    }
    json::object body{{"Name", resolved.source}};
    if (!spec->driver.empty()) body["Driver"] = spec->driver;
    json::object driver_opts;
    for (const auto& [k, v] : spec->driver_opts) driver_opts[k] = v;
    body["DriverOpts"] = std::move(driver_opts);
    json::object labels{{kLabelManaged, "true"}, {kLabelTaskArn, task.task_arn}};
    for (const auto& [k, v] : spec->labels) labels[k] = v;
    body["Labels"] = std::move(labels);
    try {
      client_.create_volume(body);  // creating an existing volume is a no-op
    } catch (const std::exception& e) {
      throw cannot_start("cannot create volume " + resolved.source + ": " + e.what());
    }
  }
}

std::string DockerDriver::create(const std::string& name, const json::object& body) {
  try {
    return client_.create_container(name, body);
  } catch (const DockerError& e) {
    if (e.status() != 409) throw;
  }
  // A container of that name is left from an attempt the agent did not
  // record (it died in between), or is the previous run of a restarted
  // container: replace it.
  remove_and_wait(name);
  return client_.create_container(name, body);
}

void DockerDriver::remove_and_wait(const std::string& name_or_id) {
  client_.remove_container(name_or_id, true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (client_.inspect_container(name_or_id)) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the engine is still removing container " + name_or_id);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void DockerDriver::save_logs(const std::string& id, const json::object& state) {
  const auto task = string_field(state, "taskId");
  const auto container = string_field(state, "container");
  if (options_.log_dir.empty() || task.empty() || container.empty()) return;
  const auto dir = options_.log_dir / task / container;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  auto connection = client_.streaming_connection();
  client_.follow_logs(*connection, id, false,
                      [&](docker::StreamKind kind, std::string_view data) {
                        append(dir / (kind == docker::StreamKind::kStderr ? "stderr.log"
                                                                           : "stdout.log"),
                               data);
                      });
}

std::string DockerDriver::ensure_network_namespace(const TaskSpec& task) {
  const auto name = pause_name(task);
  if (auto existing = client_.inspect_container(name)) {
    if (docker::is_running(*existing)) return string_field(*existing, "Id");
    client_.remove_container(name, true);
  }
  docker::ensure_pause_image(client_);
  json::object body{
      {"Image", docker::kPauseImage},
      {"Labels", json::object{{kLabelManaged, "true"},
                              {kLabelTaskArn, task.task_arn},
                              {kLabelContainerName, "~pause"},
                              {kLabelCluster, task.cluster},
                              {kLabelContainerInstance, task.container_instance_arn}}},
      {"HostConfig", json::object{{"NetworkMode", "bridge"}, {"Init", false}}}};
  const auto id = create(name, body);
  client_.start_container(id);
  return id;
}

std::string DockerDriver::task_address(const TaskSpec& task) {
  auto inspected = client_.inspect_container(pause_name(task));
  if (!inspected) return "";
  const auto* settings = object_field(*inspected, "NetworkSettings");
  return settings ? string_field(*settings, "IPAddress") : "";
}

std::string DockerDriver::host_address(const TaskSpec& task) const {
  return task.network_mode == "host" ? "127.0.0.1" : bridge_gateway_;
}

std::vector<NetworkBinding> DockerDriver::bindings_of(const json::object& inspected,
                                                      const TaskSpec& task,
                                                      const ContainerSpec& container) const {
  std::vector<NetworkBinding> bindings;
  if (task.network_mode == "host" || task.network_mode == "awsvpc") {
    // No NAT: the container's port is the host's (or the task's address's).
    for (const auto& m : container.port_mappings) {
      if (m.container_port == 0) continue;
      bindings.push_back(NetworkBinding{"0.0.0.0", m.container_port, m.container_port, m.protocol});
    }
    return bindings;
  }
  const auto* settings = object_field(inspected, "NetworkSettings");
  const auto* ports = settings ? object_field(*settings, "Ports") : nullptr;
  if (!ports) return bindings;
  for (const auto& [key, value] : *ports) {
    if (!value.is_array()) continue;  // exposed, not published
    const std::string spec(key);      // "80/tcp"
    const auto slash = spec.find('/');
    const int container_port = std::atoi(spec.substr(0, slash).c_str());
    const std::string protocol = slash == std::string::npos ? "tcp" : spec.substr(slash + 1);
    for (const auto& published : value.get_array()) {
      if (!published.is_object()) continue;
      const auto& p = published.get_object();
      bindings.push_back(NetworkBinding{string_field(p, "HostIp"), container_port,
                                        std::atoi(string_field(p, "HostPort").c_str()), protocol});
    }
  }
  return bindings;
}

void DockerDriver::start(const TaskSpec& task, const ContainerSpec& container, OnStarted done,
                         OnCreated created) {
  auto strand = task_starts_.try_emplace(task.task_id, workers_.get_executor()).first->second;
  boost::asio::post(strand, [this, task, container, done = std::move(done),
                              created = std::move(created),
                              name = docker_name(task, container.name) + "-" + random_->hex(8),
                              weak = std::weak_ptr(alive_)] {
    OnCreated on_created = [this, weak, created](const std::string& id) {
      if (!created) return;
      boost::asio::post(executor_, [weak, created, id] {
        if (!weak.expired()) created(id);
      });
    };
    auto result = start_result_of([&] { return start_now(task, container, name, on_created); });
    boost::asio::post(executor_, [weak, done, result = std::move(result)]() mutable {
      if (!weak.expired()) done(std::move(result));
    });
  });
}

ContainerHandle DockerDriver::start_now(const TaskSpec& task, const ContainerSpec& container,
                                        const std::string& name, const OnCreated& created) {
  ensure_image(container);
  DockerStartContext context;
  context.volumes = resolve_volumes(task, options_.efs_directories);
  ensure_volumes(task, context.volumes);
  context.labels = {{kLabelManaged, "true"},
                    {kLabelTaskArn, task.task_arn},
                    {kLabelContainerName, container.name},
                    {kLabelCluster, task.cluster},
                    {kLabelContainerInstance, task.container_instance_arn}};
  try {
    if (task_cgroup_ && (task.memory_mib || task.cpu_units)) {
      context.cgroup_parent = task_cgroup_->create(task.task_id, task.memory_mib, task.cpu_units);
    }
    if (task.network_mode == "awsvpc") context.network_container_id = ensure_network_namespace(task);
    if (!container.volumes_from.empty()) {
      for (const auto& item : containers_of(task)) {
        const auto* labels = item.is_object() ? object_field(item.get_object(), "Labels") : nullptr;
        if (!labels) continue;
        // Newest first: a restarted source's latest run wins.
        context.container_ids.emplace(string_field(*labels, kLabelContainerName),
                                      string_field(item.get_object(), "Id"));
      }
    }
    const auto id = create(name, docker_create_body(task, container, context));
    created(id);
    try {
      client_.start_container(id);
    } catch (const std::exception&) {
      client_.remove_container(id, true);
      throw;
    }
    const auto inspected = client_.inspect_container(id);
    ContainerHandle handle;
    handle.runtime_id = id;
    handle.state = json::object{
        {"containerId", id}, {"name", name}, {"taskId", task.task_id}, {"container", container.name}};
    if (inspected) {
      handle.network_bindings = bindings_of(*inspected, task, container);
      // What the task metadata endpoint shows of the container.
      handle.state["imageId"] = string_field(*inspected, "Image");
      const auto* settings = object_field(*inspected, "NetworkSettings");
      auto address = settings ? string_field(*settings, "IPAddress") : std::string();
      if (address.empty() && task.network_mode == "awsvpc") address = task_address(task);
      if (!address.empty()) handle.state["ipAddress"] = address;
    }
    return handle;
  } catch (const DriverError&) {
    throw;
  } catch (const std::exception& e) {
    throw cannot_start(e.what());
  }
}

json::array DockerDriver::containers_of(const TaskSpec& task) {
  return client_.list_containers(std::string(kLabelTaskArn) + "=" + task.task_arn);
}

void DockerDriver::watch(const ContainerHandle& handle, std::function<void(ExitStatus)> on_exit) {
  events_->watch_exit(container_id(handle), [executor = executor_, weak = std::weak_ptr(alive_),
                                             on_exit = std::move(on_exit)](ExitStatus exit) {
    boost::asio::post(executor, [weak, on_exit, exit = std::move(exit)] {
      if (!weak.expired()) on_exit(exit);
    });
  });
}

void DockerDriver::watch_health(const ContainerHandle& handle,
                                std::function<void(std::string)> on_health) {
  events_->watch_health(container_id(handle), [executor = executor_,
                                               weak = std::weak_ptr(alive_),
                                               on_health = std::move(on_health)](std::string h) {
    boost::asio::post(executor, [weak, on_health, h = std::move(h)] {
      if (!weak.expired()) on_health(h);
    });
  });
}

void DockerDriver::stop(const ContainerHandle& handle, std::chrono::milliseconds timeout) {
  in_background([this, id = container_id(handle), timeout] {
    try {
      // Docker's timeout is whole seconds; round up so none is cut short.
      client_.stop_container(id, std::chrono::ceil<std::chrono::seconds>(timeout));
    } catch (const std::exception& e) {
      spdlog::warn("docker: stopping container {} failed: {}", id, e.what());
    }
  });
}

void DockerDriver::exec(const ContainerHandle& handle, std::vector<std::string> argv,
                        std::chrono::milliseconds timeout, std::function<void(ExecResult)> done) {
  in_background([this, id = container_id(handle), argv = std::move(argv), timeout,
                 done = std::move(done), weak = std::weak_ptr(alive_)] {
    ExecResult result;
    try {
      auto output = client_.exec(id, argv, timeout);
      result.exit_code = output.exit_code;
      result.output = std::move(output.output);
    } catch (const std::exception& e) {
      result.exit_code = -1;
      result.timed_out = true;
      result.output = e.what();
    }
    boost::asio::post(executor_, [weak, done, result = std::move(result)] {
      if (!weak.expired()) done(result);
    });
  });
}

std::unique_ptr<LogSource> DockerDriver::output(const ContainerHandle& handle) {
  return std::make_unique<DockerLogSource>(client_, handle.runtime_id);
}

void DockerDriver::remove(const ContainerHandle& handle) {
  boost::asio::post(removals_, [this, id = container_id(handle), state = handle.state] {
    try {
      save_logs(id, state);
    } catch (const std::exception& e) {
      spdlog::warn("docker: keeping the logs of container {} failed: {}", id, e.what());
    }
    try {
      client_.remove_container(id, true);
    } catch (const std::exception& e) {
      spdlog::warn("docker: removing container {} failed: {}", id, e.what());
    }
  });
}

void DockerDriver::remove_task(const TaskSpec& task) {
  task_starts_.erase(task.task_id);
  boost::asio::post(removals_, [this, task] {
    auto attempt = [&](const std::string& what, auto&& step) {
      try {
        step();
      } catch (const std::exception& e) {
        spdlog::warn("docker: task {}: {} failed: {}", task.task_id, what, e.what());
      }
    };
    // Its containers (the pause container too) first: volumes and cgroups
    // in use cannot go.
    json::array containers;
    attempt("listing its containers", [&] { containers = containers_of(task); });
    for (const auto& item : containers) {
      const auto id = item.is_object() ? string_field(item.get_object(), "Id") : std::string();
      if (!id.empty()) attempt("removing container " + id, [&] { remove_and_wait(id); });
    }
    std::vector<ResolvedVolume> volumes;
    attempt("resolving its volumes",
            [&] { volumes = resolve_volumes(task, options_.efs_directories); });
    for (const auto& resolved : volumes) {
      const auto spec = std::find_if(task.volumes.begin(), task.volumes.end(),
                                     [&](const VolumeSpec& v) { return v.name == resolved.name; });
      const bool task_scoped = spec != task.volumes.end() &&
                               (spec->kind == VolumeSpec::Kind::kTaskScratch ||
                                (spec->kind == VolumeSpec::Kind::kDocker && spec->scope == "task"));
      if (task_scoped) {
        attempt("removing volume " + resolved.source,
                [&] { client_.remove_volume(resolved.source); });
      }
    }
    if (task_cgroup_) task_cgroup_->remove(task.task_id);
  });
}

std::optional<json::object> DockerDriver::stats(const ContainerHandle& handle) {
  try {
    return client_.container_stats(container_id(handle));
  } catch (const std::exception& e) {
    spdlog::debug("docker: no stats for {}: {}", handle.runtime_id, e.what());
    return std::nullopt;
  }
}

void DockerDriver::clean_up_orphans(const std::string& instance_arn,
                                    const std::set<std::string>& known_tasks) {
  // Only this instance's: the engine may serve other agents and clusters.
  const auto containers =
      client_.list_containers(std::string(kLabelContainerInstance) + "=" + instance_arn);
  for (const auto& item : containers) {
    if (!item.is_object()) continue;
    const auto id = string_field(item.get_object(), "Id");
    const auto* labels = object_field(item.get_object(), "Labels");
    if (id.empty() || (labels && known_tasks.contains(string_field(*labels, kLabelTaskArn)))) continue;
    spdlog::info("docker: removing orphaned container {}", id.substr(0, 12));
    try {
      client_.remove_container(id, true);
    } catch (const std::exception& e) {
      spdlog::warn("docker: removing orphaned container {} failed: {}", id, e.what());
    }
  }
}

std::vector<std::string> DockerDriver::capabilities() const {
  std::vector<std::string> out{"com.amazonaws.ecs.capability.privileged-container",
                               "ecs.capability.docker-plugin.local"};
  if (!options_.efs_directories.empty()) out.push_back("ecs.capability.efs");
  return out;
}

}  // namespace gantry::agent
