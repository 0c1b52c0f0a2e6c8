#include "agent/docker/docker_client.h"

#include <boost/beast/http.hpp>

#include <cctype>
#include <cstdio>
#include <utility>

namespace gantry::agent::docker {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

// The oldest API version with everything used here (Docker 20.10); newer
// engines serve it too.
constexpr std::string_view kApi = "/v1.41";
constexpr std::chrono::milliseconds kDefaultTimeout = std::chrono::seconds(60);
constexpr std::size_t kIdleConnections = 4;

net::HttpRequest request(http::verb verb, std::string_view path) {
  net::HttpRequest r(verb, std::string(kApi) + std::string(path), 11);
  return r;
}

net::HttpRequest json_request(http::verb verb, std::string_view path, const json::value& body) {
  auto r = request(verb, path);
  r.set(http::field::content_type, "application/json");
  r.body() = json::serialize(body);
  return r;
}

// The engine's error bodies are {"message": "..."}; anything else is shown as is.
std::string error_message(const net::HttpResponse& response) {
  json::error_code ec;
  auto parsed = json::parse(response.body(), ec);
  if (!ec && parsed.is_object()) {
    if (const auto* m = parsed.get_object().if_contains("message"); m && m->is_string()) {
      return std::string(m->get_string());
    }
  }
  return response.body().empty() ? std::string(response.reason()) : response.body();
}

void expect_success(const net::HttpResponse& response) {
  if (response.result_int() >= 300) throw DockerError(response.result_int(), error_message(response));
}

json::object parse_object(const std::string& body) {
  auto parsed = json::parse(body);
  if (!parsed.is_object()) throw std::runtime_error("the Docker engine answered a non-object");
  return std::move(parsed.get_object());
}

// "repo:tag" / "repo@digest" / "repo" -> (repo, tag-or-digest), "latest"
// when none is given (without one the engine would pull every tag). A
// colon before the last slash belongs to a registry's port.
std::pair<std::string, std::string> split_reference(const std::string& image) {
  if (auto at = image.find('@'); at != std::string::npos) {
    return {image.substr(0, at), image.substr(at + 1)};
  }
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return {image.substr(0, colon), image.substr(colon + 1)};
  }
  return {image, "latest"};
}

// Splits a stream of JSON documents separated by newlines (events, a pull's
// progress), keeping a partial line between pieces.
class JsonLines {
 public:
  template <typename OnObject>
  void feed(std::string_view data, const OnObject& on_object) {
    pending_.append(data);
    std::size_t start = 0;
    for (auto end = pending_.find('\n'); end != std::string::npos;
         end = pending_.find('\n', start)) {
      std::string_view line(pending_.data() + start, end - start);
      start = end + 1;
      json::error_code ec;
      auto parsed = json::parse(line, ec);
      if (!ec && parsed.is_object()) on_object(parsed.get_object());
    }
    pending_.erase(0, start);
  }

 private:
  std::string pending_;
};

}  // namespace

std::string query_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out.append(buffer);
    }
  }
  return out;
}

void StreamDemuxer::feed(std::string_view data, const DockerClient::OnFrame& on_frame) {
  pending_.append(data);
  std::size_t at = 0;
  while (pending_.size() - at >= 8) {
    const auto* header = reinterpret_cast<const unsigned char*>(pending_.data() + at);
    const std::size_t size = (std::size_t{header[4]} << 24) | (std::size_t{header[5]} << 16) |
                             (std::size_t{header[6]} << 8) | std::size_t{header[7]};
    if (pending_.size() - at - 8 < size) break;
    const int kind = header[0];
    if (kind <= 2) {
      on_frame(static_cast<StreamKind>(kind), std::string_view(pending_.data() + at + 8, size));
    }
    at += 8 + size;
  }
  pending_.erase(0, at);
}

DockerClient::DockerClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

std::unique_ptr<net::HttpClient> DockerClient::acquire(std::chrono::milliseconds timeout) {
  if (timeout == kDefaultTimeout) {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return std::make_unique<net::HttpClient>(net::UnixSocketPath{socket_path_}, timeout);
}

void DockerClient::release(std::unique_ptr<net::HttpClient> client) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kIdleConnections) idle_.push_back(std::move(client));
}

net::HttpResponse DockerClient::call(net::HttpRequest r, std::chrono::milliseconds timeout) {
  auto client = acquire(timeout);
  auto response = client->send(std::move(r));
  if (timeout == kDefaultTimeout) release(std::move(client));
  return response;
}

std::unique_ptr<net::HttpClient> DockerClient::streaming_connection() const {
  return std::make_unique<net::HttpClient>(net::UnixSocketPath{socket_path_}, kDefaultTimeout);
}

json::object DockerClient::version() {
  auto response = call(request(http::verb::get, "/version"), std::chrono::seconds(5));
  expect_success(response);
  return parse_object(response.body());
}

json::object DockerClient::info() {
  auto response = call(request(http::verb::get, "/info"));
  expect_success(response);
  return parse_object(response.body());
}

std::optional<json::object> DockerClient::inspect_image(const std::string& image) {
  auto response = call(request(http::verb::get, "/images/" + image + "/json"));
  if (response.result() == http::status::not_found) return std::nullopt;
  expect_success(response);
  return parse_object(response.body());
}

void DockerClient::pull_image(const std::string& image, const std::string& registry_auth) {
  const auto [repo, tag] = split_reference(image);
  auto r = request(http::verb::post,
                   "/images/create?fromImage=" + query_escape(repo) + "&tag=" + query_escape(tag));
  if (!registry_auth.empty()) r.set("X-Registry-Auth", registry_auth);
  std::optional<std::string> failure;
  JsonLines lines;
  auto connection = streaming_connection();
  auto response = connection->stream(std::move(r), [&](std::string_view data) {
    lines.feed(data, [&](const json::object& progress) {
      if (const auto* e = progress.if_contains("error"); e && e->is_string() && !failure) {
        failure = std::string(e->get_string());
      }
    });
    return true;
  });
  expect_success(response);
  if (failure) throw DockerError(500, *failure);
}

void DockerClient::import_image(const std::string& repo, const std::string& tag, std::string tar,
                                const std::vector<std::string>& changes) {
  std::string path = "/images/create?fromSrc=-&repo=" + query_escape(repo) +
                     "&tag=" + query_escape(tag);
  for (const auto& change : changes) path += "&changes=" + query_escape(change);
  auto r = request(http::verb::post, path);
  r.set(http::field::content_type, "application/x-tar");
  r.body() = std::move(tar);
  expect_success(call(std::move(r)));
}

std::string DockerClient::create_container(const std::string& name, const json::object& body) {
  auto response =
      call(json_request(http::verb::post, "/containers/create?name=" + query_escape(name), body));
  expect_success(response);
  auto created = parse_object(response.body());
  const auto* id = created.if_contains("Id");
  if (!id || !id->is_string()) throw std::runtime_error("the Docker engine created no id");
  return std::string(id->get_string());
}

void DockerClient::start_container(const std::string& id) {
  expect_success(call(request(http::verb::post, "/containers/" + id + "/start")));
}

void DockerClient::stop_container(const std::string& id, std::chrono::seconds timeout) {
  auto response = call(
      request(http::verb::post, "/containers/" + id + "/stop?t=" + std::to_string(timeout.count())),
      timeout + std::chrono::seconds(30));
  if (response.result() == http::status::not_modified) return;  // already stopped
  expect_success(response);
}

void DockerClient::remove_container(const std::string& id, bool force) {
  auto response = call(request(http::verb::delete_,
                               "/containers/" + id + "?v=1" + (force ? "&force=1" : "")));
  if (response.result() == http::status::not_found) return;
  // Forced, a conflict means another removal of it is under way.
  if (force && response.result() == http::status::conflict) return;
  expect_success(response);
}

std::optional<json::object> DockerClient::inspect_container(const std::string& id) {
  auto response = call(request(http::verb::get, "/containers/" + id + "/json"));
  if (response.result() == http::status::not_found) return std::nullopt;
  expect_success(response);
  return parse_object(response.body());
}

json::array DockerClient::list_containers(const std::string& label) {
  json::object filters{{"label", json::array{json::string(label)}}};
  auto response = call(request(http::verb::get, "/containers/json?all=1&filters=" +
                                                    query_escape(json::serialize(filters))));
  expect_success(response);
  auto parsed = json::parse(response.body());
  if (!parsed.is_array()) throw std::runtime_error("the Docker engine answered a non-list");
  return std::move(parsed.get_array());
}

json::object DockerClient::container_stats(const std::string& id) {
  auto response = call(request(http::verb::get, "/containers/" + id + "/stats?stream=false"));
  expect_success(response);
  return parse_object(response.body());
}

ExecOutput DockerClient::exec(const std::string& id, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout, std::size_t max_output) {
  json::array cmd;
  for (const auto& arg : argv) cmd.emplace_back(arg);
  auto created = call(json_request(
      http::verb::post, "/containers/" + id + "/exec",
      json::object{{"AttachStdout", true}, {"AttachStderr", true}, {"Cmd", std::move(cmd)}}));
  expect_success(created);
  const auto exec_id = std::string(parse_object(created.body()).at("Id").as_string());
  // Without Detach the engine streams the output and closes when the command ends.
  auto started = call(json_request(http::verb::post, "/exec/" + exec_id + "/start",
                                   json::object{{"Detach", false}, {"Tty", false}}),
                      timeout);
  expect_success(started);
  ExecOutput out;
  StreamDemuxer demuxer;
  demuxer.feed(started.body(), [&](StreamKind, std::string_view data) {
    out.output.append(data.substr(0, max_output - std::min(max_output, out.output.size())));
  });
  auto inspected = call(request(http::verb::get, "/exec/" + exec_id + "/json"));
  expect_success(inspected);
  const auto result = parse_object(inspected.body());
  if (const auto* code = result.if_contains("ExitCode"); code && code->is_int64()) {
    out.exit_code = static_cast<int>(code->get_int64());
  }
  return out;
}

void DockerClient::create_volume(const json::object& body) {
  expect_success(call(json_request(http::verb::post, "/volumes/create", body)));
}

void DockerClient::remove_volume(const std::string& name) {
  auto response = call(request(http::verb::delete_, "/volumes/" + query_escape(name)));
  if (response.result() == http::status::not_found) return;
  expect_success(response);
}

std::optional<json::object> DockerClient::inspect_network(const std::string& name) {
  auto response = call(request(http::verb::get, "/networks/" + query_escape(name)));
  if (response.result() == http::status::not_found) return std::nullopt;
  expect_success(response);
  return parse_object(response.body());
}

void DockerClient::follow_events(net::HttpClient& connection, int64_t since_unix,
                                 const json::object& filters, const OnEvent& on_event) {
  JsonLines lines;
  auto response = connection.stream(
      request(http::verb::get, "/events?since=" + std::to_string(since_unix) +
                                   "&filters=" + query_escape(json::serialize(filters))),
      [&](std::string_view data) {
        lines.feed(data, on_event);
        return true;
      });
  expect_success(response);
}

void DockerClient::follow_logs(net::HttpClient& connection, const std::string& id, bool follow,
                               const OnFrame& on_frame, std::string_view options) {
  StreamDemuxer demuxer;
  auto response = connection.stream(
      request(http::verb::get, "/containers/" + id + "/logs?stdout=1&stderr=1" +
                                   (follow ? "&follow=1" : "") + std::string(options)),
      [&](std::string_view data) {
        demuxer.feed(data, on_frame);
        return true;
      });
  expect_success(response);
}

}  // namespace gantry::agent::docker
