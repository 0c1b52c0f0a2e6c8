#include "agent/ecs_client.h"

#include <boost/beast/http.hpp>

#include "core/error.h"

namespace gantry::agent {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {
// A control plane that does not answer in this time is treated as down.
constexpr std::chrono::seconds kTimeout{10};
}  // namespace

net::HttpRequest signed_ecs_request(const std::string& host_header, std::string_view operation,
                                    std::string body, const auth::SigningKey& key,
                                    const std::string& region, core::SystemTime now,
                                    AwsService service) {
  auth::HttpRequestView view;
  view.method = "POST";
  view.target = "/";
  view.body = std::move(body);
  view.headers = {{"Host", host_header},
                  {"Content-Type", "application/x-amz-json-1.1"},
                  {"X-Amz-Target", std::string(service.target_prefix) + std::string(operation)}};
  auth::sign_sigv4(view, key, region, std::string(service.signing_name), now);
  net::HttpRequest request{http::verb::post, "/", 11};
  for (const auto& [name, value] : view.headers) request.set(name, value);
  request.body() = std::move(view.body);
  return request;
}

EcsClient::EcsClient(EcsEndpoint endpoint, const core::Clock& clock, AwsService service)
    : endpoint_(std::move(endpoint)),
      clock_(clock),
      service_(service),
      http_(net::split_http_url(endpoint_.url).first, net::split_http_url(endpoint_.url).second,
            kTimeout) {}

json::object EcsClient::call(std::string_view operation, const json::object& body) {
  net::HttpResponse response = http_.send(signed_ecs_request(
      http_.host_header(), operation, json::serialize(body), endpoint_.key, endpoint_.region,
      clock_.now(), service_));

  json::error_code ec;
  json::value parsed = json::parse(response.body(), ec);
  if (response.result() != http::status::ok) {
    std::string type = "ServerException";
    std::string message = response.body();
    if (!ec && parsed.is_object()) {
      const json::object& error = parsed.get_object();
      if (auto* t = error.if_contains("__type"); t && t->is_string()) type = t->get_string();
      if (auto* m = error.if_contains("message"); m && m->is_string()) message = m->get_string();
    }
    throw core::ApiError(type, message, static_cast<int>(response.result_int()));
  }
  if (ec || !parsed.is_object()) {
    throw std::runtime_error(std::string(operation) + " answered with a body that is not JSON");
  }
  return std::move(parsed.as_object());
}

std::vector<std::pair<std::string, std::string>> EcsClient::signed_upgrade_headers(
    const std::string& target) const {
  auth::HttpRequestView view;
  view.method = "GET";
  view.target = target;
  view.headers = {{"Host", http_.host_header()}};
  auth::sign_sigv4(view, endpoint_.key, endpoint_.region, "ecs", clock_.now());
  std::vector<std::pair<std::string, std::string>> headers;
  for (auto& [name, value] : view.headers) {
    if (name != "Host") headers.emplace_back(name, value);
  }
  return headers;
}

}  // namespace gantry::agent
