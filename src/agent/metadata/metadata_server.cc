#include "agent/metadata/metadata_server.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "agent/metadata/task_metadata.h"

namespace gantry::agent::metadata {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kPrefix = "/v4/";
// Two blocking calls at a time would serialize a task's stats; a few more
// let /task/stats sample several containers at once.
constexpr size_t kWorkers = 4;

enum class Route { kContainer, kTask, kContainerStats, kTaskStats };

struct Target {
  std::string task_id;
  std::string container_name;
  Route route = Route::kContainer;
};

// "/v4/<task id>-<container>[/task][/stats]" (a query is ignored); nullopt
// for anything else.
std::optional<Target> parse_target(std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  if (path.ends_with('/')) path.remove_suffix(1);
  const auto slash = path.find('/');
  const std::string_view token = path.substr(0, slash);
  const std::string_view rest =
      slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  const auto dash = token.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == token.size()) return std::nullopt;
  Target target{std::string(token.substr(0, dash)), std::string(token.substr(dash + 1))};
  if (rest.empty()) {
    target.route = Route::kContainer;
  } else if (rest == "task") {
    target.route = Route::kTask;
  } else if (rest == "stats") {
    target.route = Route::kContainerStats;
  } else if (rest == "task/stats") {
    target.route = Route::kTaskStats;
  } else {
    return std::nullopt;
  }
  return target;
}

net::HttpResponse respond_with(http::status status, std::string body,
                               std::string_view content_type = "application/json") {
  net::HttpResponse response{status, 11};
  response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

net::HttpResponse json_response(const json::value& value) {
  return respond_with(http::status::ok, json::serialize(value));
}

// Errors are a JSON string, as the ECS agent writes them.
net::HttpResponse error_response(http::status status, const std::string& message) {
  return respond_with(status, json::serialize(json::string(message)));
}

const ContainerStatus* status_of(const TaskView& task, const std::string& name) {
  for (const auto& c : task.status.containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

std::string endpoint_path(const std::string& task_id, const std::string& container_name) {
  return std::string(kPrefix) + task_id + "-" + container_name;
}

MetadataServer::MetadataServer(const std::vector<std::string>& addresses, uint16_t port,
                               FindTask find_task, ContainerStats stats)
    : find_task_(std::move(find_task)),
      stats_(std::move(stats)),
      work_(asio::make_work_guard(io_)),
      workers_(kWorkers) {
  if (addresses.empty()) throw std::runtime_error("metadata server: no address to listen on");
  auto handler = [this](net::HttpRequest&& request, net::Responder respond) {
    handle(std::move(request), std::move(respond));
  };
  auto rejecter = [](http::status status, std::string reason) {
    return error_response(status, reason);
  };
  net::HttpServerOptions options;
  options.max_body_bytes = 64 * 1024;  // GETs only; nothing to read
  options.idle_timeout = std::chrono::seconds(30);
  for (const auto& address : addresses) {
    try {
      const tcp::endpoint endpoint(asio::ip::make_address(address), port_ ? port_ : port);
      servers_.push_back(std::make_unique<net::HttpServer>(io_, endpoint, handler, rejecter, options));
      if (!port_) port_ = servers_.back()->local_endpoint().port();
      bound_.push_back(address);
    } catch (const std::exception& e) {
      if (servers_.empty()) {
        throw std::runtime_error("metadata server: cannot listen on " + address + ":" +
                                 std::to_string(port) + ": " + e.what());
      }
      spdlog::warn("metadata server: cannot listen on {}:{}: {}; skipped", address, port_,
                   e.what());
    }
  }
  thread_ = std::thread([this] { io_.run(); });
}

MetadataServer::~MetadataServer() {
  for (auto& server : servers_) server->stop();
  // The io thread first, so that no request starts new work; then the
  // workers finish what they have (their answers go nowhere).
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  workers_.join();
}

void MetadataServer::handle(net::HttpRequest&& request, net::Responder respond) {
  if (request.method() != http::verb::get) {
    auto response = error_response(http::status::method_not_allowed,
                                   "Only GET is allowed on the task metadata endpoint.");
    response.set(http::field::allow, "GET");
    return respond(std::move(response));
  }
  auto target = parse_target(request.target());
  if (!target) {
    return respond(error_response(http::status::not_found,
                                  "No such task metadata path: " + std::string(request.target())));
  }
  asio::post(workers_, [this, target = std::move(*target), respond = std::move(respond)] {
    std::optional<TaskView> task;
    try {
      task = find_task_(target.task_id);
    } catch (const std::exception& e) {
      return respond(error_response(http::status::internal_server_error,
                                    std::string("Unable to look the task up: ") + e.what()));
    }
    auto container = task ? container_metadata(*task, target.container_name) : std::nullopt;
    if (!container) {
      return respond(error_response(
          http::status::not_found,
          "No container " + target.container_name + " in a task " + target.task_id + " here."));
    }
    switch (target.route) {
      case Route::kContainer:
        return respond(json_response(*container));
      case Route::kTask:
        return respond(json_response(task_metadata(*task)));
      case Route::kContainerStats: {
        const ContainerStatus* status = status_of(*task, target.container_name);
        std::optional<json::object> sample;
        try {
          if (status && status->handle && stats_) sample = stats_(*status->handle);
        } catch (const std::exception& e) {
          spdlog::warn("metadata server: stats of {}: {}", target.container_name, e.what());
        }
        // Not sampled (not started, gone, or the driver cannot tell): an
        // empty object, as ECS gives for a container without stats yet.
        return respond(json_response(sample ? std::move(*sample) : json::object()));
      }
      case Route::kTaskStats:
        return serve_task_stats(*task, respond);
    }
  });
}

void MetadataServer::serve_task_stats(const TaskView& task, const net::Responder& respond) {
  // One job per started container, so that samples (each a second or two)
  // overlap; the last to finish answers.
  struct Gather {
    std::mutex mutex;
    json::object result;
    size_t remaining = 0;
    net::Responder respond;
  };
  auto gather = std::make_shared<Gather>();
  gather->respond = respond;
  std::vector<std::pair<std::string, ContainerHandle>> sampled;
  for (const auto& c : task.status.containers) {
    const std::string id =
        !c.runtime_id.empty() ? c.runtime_id : (c.handle ? c.handle->runtime_id : "");
    if (id.empty()) continue;  // never created: no DockerId to key it by
    gather->result[id] = nullptr;
    if (c.handle && stats_) sampled.emplace_back(id, *c.handle);
  }
  if (sampled.empty()) return respond(json_response(gather->result));
  gather->remaining = sampled.size();
  for (auto& [id, handle] : sampled) {
    asio::post(workers_, [this, gather, id = std::move(id), handle = std::move(handle)] {
      std::optional<json::object> sample;
      try {
        sample = stats_(handle);
      } catch (const std::exception& e) {
        spdlog::warn("metadata server: stats of {}: {}", id, e.what());
      }
      std::lock_guard lock(gather->mutex);
      if (sample) gather->result[id] = std::move(*sample);
      if (--gather->remaining == 0) gather->respond(json_response(gather->result));
    });
  }
}

}  // namespace gantry::agent::metadata
