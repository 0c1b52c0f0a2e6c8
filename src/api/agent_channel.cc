#include "api/agent_channel.h"

#include <map>

#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "api/api_server.h"
#include "core/arn.h"
#include "api/handler_support.h"
#include "api/task_state_changes.h"
#include "ecs/container_instance_commands.h"
#include "ecs/gpu_health_report.h"
#include "ecs/gpu_requests.h"
#include "ecs/task_reports.h"
#include "model/agent_protocol.h"
#include "model/instance_lifecycle.h"

namespace gantry::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

namespace {

// Refuses an upgrade with a plain HTTP answer in the API's error shape.
void refuse(beast::tcp_stream stream, const core::ApiError& error) {
  auto response = std::make_shared<net::HttpResponse>(error_response("", error));
  response->keep_alive(false);
  response->prepare_payload();
  auto held = std::make_shared<beast::tcp_stream>(std::move(stream));
  held->expires_after(std::chrono::seconds(5));
  http::async_write(*held, *response, [held, response](beast::error_code, size_t) {
    beast::error_code ignored;
    held->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  });
}

// Whether a task's change is one its agent must hear of: a new task, a stop
// to carry out, or a stopped task leaving the set. The rest are the agent's
// own reports coming back.
bool changes_desired_set(const state::TaskRecord& task) {
  return task.version() == 1 || task.desired_status() == "STOPPED";
}

// A task an agent names, and its cluster: the one its ARN names (a FARGATE
// host runs the tasks of every cluster), else the agent's own.
std::pair<std::string, std::string> named_task(std::string_view arn,
                                               const std::string& agent_cluster) {
  std::string cluster = core::scoped_cluster(arn, agent_cluster);
  std::string id = core::scoped_id_from(arn, "task", cluster);
  return {std::move(cluster), std::move(id)};
}

std::string query_parameter(const boost::urls::url_view& url, std::string_view name) {
  auto it = url.params().find(name);
  return it == url.params().end() ? std::string() : std::string((*it).value);
}

}  // namespace

AgentChannel::AgentChannel(asio::io_context& io, ecs::CommandRunner& commands,
                           state::TaskStats& task_stats,
                           const auth::Credentials& credentials, const core::Clock& clock,
                           std::chrono::seconds idle_timeout)
    : io_(io),
      commands_(commands),
      state_(commands.state()),
      task_stats_(task_stats),
      credentials_(credentials),
      clock_(clock),
      idle_timeout_(idle_timeout),
      cursor_(state_.events().last_revision()) {
  // The wake runs on the committer: it only posts.
  subscription_ = state_.events().subscribe([this, alive = alive_] {
    if (flush_posted_.exchange(true)) return;
    asio::post(io_, [this, alive] {
      if (*alive) flush();
    });
  });
}

AgentChannel::~AgentChannel() {
  subscription_.reset();
  std::lock_guard lock(mutex_);
  *alive_ = false;
  for (auto& [key, connection] : connections_) connection.socket->close();
}

void AgentChannel::upgrade(net::HttpRequest&& request, beast::tcp_stream&& stream) {
  Connection connection;
  try {
    auto url = boost::urls::parse_origin_form(request.target());
    if (!url || url->path() != model::kAgentChannelPath) {
      throw core::ApiError("UnknownOperationException",
                           "No WebSocket endpoint at " + std::string(request.target()) + ".", 404);
    }
    auth::verify_sigv4(
        sigv4_view(request),
        [this](const std::string& key) { return credentials_.secret_for(key); }, clock_.now());
    connection.cluster = core::cluster_name_from(query_parameter(*url, "cluster"));
    std::string instance = query_parameter(*url, "containerInstance");
    connection.instance_id =
        core::scoped_id_from(instance, "container-instance", connection.cluster);
    connection.instance_arn = state_.read([&](const state::ClusterState& s) {
      const auto* record = s.instance(connection.cluster, connection.instance_id);
      if (!record || !model::is_registered(record->status())) {
        throw core::invalid_parameter("The container instance '" + instance +
                                      "' is not registered in cluster '" + connection.cluster +
                                      "'.");
      }
      return record->arn();
    });
  } catch (const core::ApiError& error) {
    spdlog::warn("agent channel refused: {}", error.message());
    return refuse(std::move(stream), error);
  }
  net::WebSocket::accept(
      std::move(stream), std::move(request),
      [this, alive = alive_, connection](std::string error,
                                         std::shared_ptr<net::WebSocket> socket) mutable {
        if (!*alive) return;
        if (!socket) return spdlog::warn("agent channel: {}", error);
        connection.socket = std::move(socket);
        opened(std::move(connection));
      },
      idle_timeout_);
}

void AgentChannel::opened(Connection connection) {
  std::shared_ptr<net::WebSocket> replaced;
  {
    std::lock_guard lock(mutex_);
    connection.serial = next_serial_++;
    auto& slot = connections_[connection.instance_id];
    replaced = std::move(slot.socket);
    slot = connection;
    // Under the lock: the writer runs connections and disconnections of an
    // instance in the order its channels opened and closed.
    set_connected(connection.cluster, connection.instance_id, true);
  }
  if (replaced) replaced->close();  // the agent reconnected; its old channel is dead
  spdlog::info("agent connected: {}", connection.instance_arn);
  connection.socket->start(
      [this, alive = alive_, cluster = connection.cluster,
       arn = connection.instance_arn](std::string message) {
        if (*alive) received(cluster, arn, message);
      },
      [this, alive = alive_, key = connection.instance_id,
       arn = connection.instance_arn, serial = connection.serial](std::string reason) {
        if (!*alive) return;
        spdlog::info("agent disconnected: {} ({})", arn, reason);
        closed(key, serial);
      });
  push(connection.instance_id, PendingPush{.complete = true});
}

void AgentChannel::closed(const InstanceKey& instance, uint64_t serial) {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(instance);
  if (it == connections_.end() || it->second.serial != serial) return;  // replaced meanwhile
  set_connected(it->second.cluster, it->second.instance_id, false);
  task_stats_.drop_instance(it->second.instance_arn);
  connections_.erase(it);
}

void AgentChannel::set_connected(const std::string& cluster, const std::string& instance_id,
                                 bool connected) {
  commands_.submit([command = ecs::SetAgentConnection{cluster, instance_id, connected}](
                       const ecs::Context& context) {
    return state::Outcome{ecs::set_agent_connection(context, command), {}};
  });
}

void AgentChannel::received(const std::string& cluster, const std::string& instance_arn,
                            const std::string& message) {
  try {
    json::value parsed = json::parse(message);
    const json::object& object = parsed.as_object();
    std::string type = model::message_type(object);
    if (type == "health") {
      received_health(cluster, object);
    } else if (type == "taskAddress") {
      received_address(cluster, model::parse_task_address(object));
    } else if (type == "taskStates") {
      received_task_states(cluster, object);
    } else if (type == "gpuHealth") {
      received_gpu_health(cluster, instance_arn, model::parse_gpu_health(object));
    } else if (type == "gpuRequestResult") {
      received_gpu_request_result(cluster, instance_arn, model::parse_gpu_request_result(object));
    } else if (type == "stats") {
      task_stats_.record(instance_arn, model::parse_stats(object), clock_.now());
    } else {
      spdlog::warn("agent channel: ignoring a message of unknown type '{}'", type);
    }
  } catch (const std::exception& error) {
    spdlog::warn("agent channel: ignoring a malformed message: {}", error.what());
  }
}

// Throws for a malformed message.
void AgentChannel::received_health(const std::string& cluster, const json::object& message) {
  model::HealthReport health = model::parse_health(message);
  ecs::TaskReport report;
  report.health_status = health.health_status;
  for (auto& [name, status] : health.containers) {
    ecs::ContainerReport container;
    container.name = name;
    container.health_status = status;
    report.containers.push_back(std::move(container));
  }
  auto [task_cluster, task_id] = named_task(health.task_arn, cluster);
  ecs::TaskReports reports;
  reports.emplace_back(std::move(task_id), std::move(report));
  submit_reports(task_cluster, std::move(reports));
}

void AgentChannel::submit_reports(const std::string& cluster, ecs::TaskReports reports) {
  commands_.submit([cluster, reports = std::move(reports)](const ecs::Context& context) {
    return state::Outcome{ecs::report_task_states(context, cluster, reports), {}};
  });
}

// Throws for a malformed message, before anything is applied.
void AgentChannel::received_task_states(const std::string& cluster, const json::object& message) {
  std::map<std::string, ecs::TaskReports> by_cluster;
  for (const auto& body : model::parse_task_states(message)) {
    ecs::TaskReport report = task_report_from(body);
    ecs::check_report(report);
    auto [task_cluster, task_id] = named_task(string_member(body, "task"), cluster);
    by_cluster[task_cluster].emplace_back(std::move(task_id), std::move(report));
  }
  for (auto& [task_cluster, reports] : by_cluster) submit_reports(task_cluster, std::move(reports));
}

void AgentChannel::received_address(const std::string& cluster,
                                    const model::TaskAddress& address) {
  commands_.submit([task = named_task(address.task_arn, cluster),
                    address](const ecs::Context& context) {
    return state::Outcome{
        ecs::report_task_address(context, task.first, task.second, address.private_ipv4_address),
        {}};
  });
}

void AgentChannel::received_gpu_health(const std::string& cluster, const std::string& instance_arn,
                                       std::vector<model::GpuHealth> gpus) {
  commands_.submit([command = ecs::ReportGpuHealth{cluster,
                                                   std::string(core::arn_last_segment(instance_arn)),
                                                   std::move(gpus)}](const ecs::Context& context) {
    return state::Outcome{ecs::report_gpu_health(context, command), {}};
  });
}

void AgentChannel::received_gpu_request_result(const std::string& cluster,
                                               const std::string& instance_arn,
                                               model::GpuRequestResult result) {
  std::string instance_id(core::arn_last_segment(instance_arn));
  // The GPUs' health first: what the job does next reads it.
  if (!result.gpus.empty()) received_gpu_health(cluster, instance_arn, result.gpus);
  commands_.submit([cluster, instance_id, result = std::move(result)](const ecs::Context& context) {
    return state::Outcome{ecs::close_gpu_request(context, cluster, instance_id, result), {}};
  });
}

void AgentChannel::note(const state::LoggedChange& change, ByInstance<PendingPush>& pending) {
  if (change.key.starts_with(state::kTaskPrefix)) {
    const auto* before = change.before ? std::get_if<state::TaskRecord>(change.before.get()) : nullptr;
    const auto* after = change.after ? std::get_if<state::TaskRecord>(change.after.get()) : nullptr;
    const state::TaskRecord* task = after ? after : before;
    if (!task || task->instance_id.empty()) return;
    if (!after) {
      pending[task->instance_id].removed.push_back(before->arn());
    } else if (changes_desired_set(*after)) {
      pending[task->instance_id].changed.emplace(after->cluster, after->id());
    }
  } else if (change.key.starts_with(state::kContainerInstancePrefix) && change.after &&
             !state::only_agent_connection_changed(change.before.get(), change.after.get())) {
    const auto& record = std::get<state::ContainerInstanceRecord>(*change.after);
    pending[record.id()].complete = true;  // the instance's own record
  }
}

void AgentChannel::flush() {
  flush_posted_ = false;  // a commit from here on posts another flush
  ByInstance<PendingPush> pending;
  {
    std::lock_guard lock(mutex_);
    for (;;) {
      state::LogRead read = state_.events().read_after(cursor_);
      if (read.lost) {  // what changed is unknown: every channel gets its whole set
        for (const auto& [instance, connection] : connections_) pending[instance].complete = true;
      }
      for (const auto& change : read.changes) note(change, pending);
      cursor_ = read.last_revision;
      if (read.changes.empty()) break;
    }
  }
  for (const auto& [instance, push_now] : pending) push(instance, push_now);
}

namespace {

// containers[].gpuIds of a task document, by container name.
std::map<std::string, std::vector<std::string>> gpu_ids_of(const json::object& task) {
  std::map<std::string, std::vector<std::string>> out;
  const auto* containers = task.if_contains("containers");
  if (!containers || !containers->is_array()) return out;
  for (const auto& c : containers->get_array()) {
    const auto* ids = c.is_object() ? c.get_object().if_contains("gpuIds") : nullptr;
    if (!ids || !ids->is_array() || ids->get_array().empty()) continue;
    auto& list = out[string_member(c.get_object(), "name")];
    for (const auto& id : ids->get_array()) {
      if (id.is_string()) list.emplace_back(id.get_string());
    }
  }
  return out;
}

}  // namespace

void AgentChannel::push(const InstanceKey& instance, const PendingPush& pending) {
  std::shared_ptr<net::WebSocket> socket;
  std::shared_ptr<SentDefinitions> sent;
  {
    std::lock_guard lock(mutex_);
    auto it = connections_.find(instance);
    if (it != connections_.end()) {
      socket = it->second.socket;
      sent = it->second.sent;
    }
  }
  if (!socket) return;
  std::lock_guard in_order(sent->mutex);
  auto message = state_.read([&](const state::ClusterState& s) -> std::optional<json::object> {
    model::DesiredTasks desired;
    desired.complete = pending.complete;
    model::TaskDefinitions definitions;  // the records' own documents, not copies
    // Whether the task is in the set: a STOPPED one has left it.
    auto add = [&](const state::TaskRecord& task) {
      if (task.last_status() == "STOPPED") return false;
      state::DocScratch scratch;
      json::object doc = task.doc(scratch.storage());
      std::string definition_arn = string_member(doc, "taskDefinitionArn");
      auto shared = definitions.find(definition_arn);
      if (shared == definitions.end()) {
        auto ref = core::parse_task_definition_ref(definition_arn);
        auto definition = s.shared_task_definition(ref.family, ref.revision.value_or(0));
        if (!definition) return true;
        const json::object* doc = &definition->doc;
        shared = definitions.emplace(definition_arn, std::shared_ptr<const json::object>(
                                                         std::move(definition), doc))
                     .first;
      }
      desired.tasks.push_back({task.arn(), std::string(task.desired_status()), shared->second,
                               json::object(doc.at("overrides").as_object(), {}), gpu_ids_of(doc)});
      return true;
    };
    if (pending.complete) {
      for (const state::TaskRecord* task : s.tasks_on_host(instance)) add(*task);
    } else {
      desired.removed = pending.removed;
      for (const auto& [cluster, id] : pending.changed) {
        const state::TaskRecord* task = s.task(cluster, id);
        if (task && !add(*task)) desired.removed.push_back(task->arn());
      }
      if (desired.tasks.empty() && desired.removed.empty()) return std::nullopt;
    }
    return model::desired_tasks_message(desired, &sent->arns);
  });
  if (message) socket->send(json::serialize(*message));
  // The instance's record changed (or the channel is new): its open GPU
  // requests may have. Sent whole, as the agent runs each id once.
  if (pending.complete) {
    auto requests = state_.read([&](const state::ClusterState& s) {
      const state::ContainerInstanceRecord* record = s.host(instance);
      return record ? ecs::open_gpu_requests(*record) : std::vector<model::GpuRequest>{};
    });
    if (!requests.empty()) socket->send(json::serialize(model::gpu_requests_message(requests)));
  }
}

}  // namespace gantry::api
