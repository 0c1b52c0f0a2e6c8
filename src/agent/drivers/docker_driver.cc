#include "agent/drivers/docker_driver.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "agent/docker/pause_image.h"
#include "agent/drivers/docker_container_config.h"

namespace gantry::agent {

namespace json = boost::json;
using docker::DockerError;

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

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string container_id(const ContainerHandle& handle) { return handle.runtime_id; }

}  // namespace

DockerDriver::DockerDriver(boost::asio::any_io_executor executor, DockerDriverOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), client_(options_.socket_path) {
  const auto version = client_.version();
  engine_ = "Docker " + string_at(version, "Version") + " (API " +
            string_at(version, "ApiVersion") + ")";
  bridge_gateway_ = "127.0.0.1";
  if (auto bridge = client_.inspect_network("bridge")) {
    const auto* ipam = object_at(*bridge, "IPAM");
    const auto* configs = ipam ? ipam->if_contains("Config") : nullptr;
    if (configs && configs->is_array()) {
      for (const auto& config : configs->get_array()) {
        if (!config.is_object()) continue;
        auto gateway = string_at(config.get_object(), "Gateway");
        if (!gateway.empty()) {
          bridge_gateway_ = std::move(gateway);
          break;
        }
      }
    }
  }
  events_ = std::make_unique<DockerEvents>(client_, std::string(kLabelManaged) + "=true");
}

DockerDriver::~DockerDriver() {
  events_.reset();
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
  // record (it died in between) or from before a restart: replace it.
  client_.remove_container(name, true);
  return client_.create_container(name, body);
}

std::string DockerDriver::ensure_network_namespace(const TaskSpec& task) {
  const auto name = pause_name(task);
  if (auto existing = client_.inspect_container(name)) {
    const auto* state = object_at(*existing, "State");
    const auto* running = state ? state->if_contains("Running") : nullptr;
    if (running && running->is_bool() && running->get_bool()) return string_at(*existing, "Id");
    client_.remove_container(name, true);
  }
  docker::ensure_pause_image(client_);
  json::object body{
      {"Image", docker::kPauseImage},
      {"Labels", json::object{{kLabelManaged, "true"},
                              {kLabelTaskArn, task.task_arn},
                              {kLabelContainerName, "~pause"},
                              {kLabelCluster, task.cluster}}},
      {"HostConfig", json::object{{"NetworkMode", "bridge"}, {"Init", false}}}};
  const auto id = create(name, body);
  client_.start_container(id);
  return id;
}

std::string DockerDriver::task_address(const TaskSpec& task) {
  auto inspected = client_.inspect_container(pause_name(task));
  if (!inspected) return "";
  const auto* settings = object_at(*inspected, "NetworkSettings");
  return settings ? string_at(*settings, "IPAddress") : "";
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
  const auto* settings = object_at(inspected, "NetworkSettings");
  const auto* ports = settings ? object_at(*settings, "Ports") : nullptr;
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
      bindings.push_back(NetworkBinding{string_at(p, "HostIp"), container_port,
                                        std::atoi(string_at(p, "HostPort").c_str()), protocol});
    }
  }
  return bindings;
}

ContainerHandle DockerDriver::start(const TaskSpec& task, const ContainerSpec& container) {
  ensure_image(container);
  DockerStartContext context;
  context.volumes = resolve_volumes(task, options_.efs_directories);
  ensure_volumes(task, context.volumes);
  context.labels = {{kLabelManaged, "true"},
                    {kLabelTaskArn, task.task_arn},
                    {kLabelContainerName, container.name},
                    {kLabelCluster, task.cluster}};
  try {
    if (task.network_mode == "awsvpc") context.network_container_id = ensure_network_namespace(task);
    for (const auto& from : container.volumes_from) {
      if (auto source = client_.inspect_container(docker_name(task, from.source_container))) {
        context.container_ids[from.source_container] = string_at(*source, "Id");
      }
    }
    const auto name = docker_name(task, container.name);
    const auto id = create(name, docker_create_body(task, container, context));
    try {
      client_.start_container(id);
    } catch (const std::exception&) {
      client_.remove_container(id, true);
      throw;
    }
    const auto inspected = client_.inspect_container(id);
    ContainerHandle handle;
    handle.runtime_id = id;
    handle.state = json::object{{"containerId", id}, {"name", name}};
    if (inspected) handle.network_bindings = bindings_of(*inspected, task, container);
    return handle;
  } catch (const DriverError&) {
    throw;
  } catch (const std::exception& e) {
    throw cannot_start(e.what());
  }
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

void DockerDriver::remove(const ContainerHandle& handle) {
  in_background([this, id = container_id(handle)] {
    try {
      client_.remove_container(id, true);
    } catch (const std::exception& e) {
      spdlog::warn("docker: removing container {} failed: {}", id, e.what());
    }
  });
}

void DockerDriver::remove_task(const TaskSpec& task) {
  in_background([this, task] {
    try {
      client_.remove_container(pause_name(task), true);
      for (const auto& resolved : resolve_volumes(task, options_.efs_directories)) {
        const auto spec =
            std::find_if(task.volumes.begin(), task.volumes.end(),
                         [&](const VolumeSpec& v) { return v.name == resolved.name; });
        const bool task_scoped = spec != task.volumes.end() &&
                                 (spec->kind == VolumeSpec::Kind::kTaskScratch ||
                                  (spec->kind == VolumeSpec::Kind::kDocker && spec->scope == "task"));
        if (task_scoped) client_.remove_volume(resolved.source);
      }
    } catch (const std::exception& e) {
      spdlog::warn("docker: cleaning up after task {} failed: {}", task.task_id, e.what());
    }
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

void DockerDriver::clean_up_orphans(const std::set<std::string>& known_tasks) {
  const auto containers = client_.list_containers(std::string(kLabelManaged) + "=true");
  for (const auto& item : containers) {
    if (!item.is_object()) continue;
    const auto id = string_at(item.get_object(), "Id");
    const auto* labels = object_at(item.get_object(), "Labels");
    if (id.empty() || (labels && known_tasks.contains(string_at(*labels, kLabelTaskArn)))) continue;
    spdlog::info("docker: removing orphaned container {}", id.substr(0, 12));
    try {
      client_.remove_container(id, true);
    } catch (const std::exception& e) {
      spdlog::warn("docker: removing orphaned container {} failed: {}", id, e.what());
    }
  }
}

}  // namespace gantry::agent
