#include "api/api_server.h"

#include <spdlog/spdlog.h>

#include "auth/sigv4.h"
#include "model/schema.h"

namespace gantry::api {

namespace http = boost::beast::http;

namespace {
constexpr std::string_view kContentType = "application/x-amz-json-1.1";

std::string operation_of(const net::HttpRequest& request) {
  std::string_view target = request["X-Amz-Target"];
  if (!target.starts_with(kTargetPrefix)) {
    throw core::ApiError("UnknownOperationException",
                         target.empty() ? "Missing X-Amz-Target header naming the operation."
                                        : "Unknown target '" + std::string(target) +
                                              "': expected " + std::string(kTargetPrefix) +
                                              "<Operation>.");
  }
  return std::string(target.substr(kTargetPrefix.size()));
}
}  // namespace

auth::HttpRequestView sigv4_view(const net::HttpRequest& request) {
  auth::HttpRequestView view;
  view.method = std::string(request.method_string());
  view.target = std::string(request.target());
  for (const auto& field : request) {
    view.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return view;
}

net::HttpResponse json_response(const std::string& request_id, const boost::json::object& body) {
  net::HttpResponse response{http::status::ok, 11};
  response.set(http::field::content_type, kContentType);
  response.set("x-amzn-RequestId", request_id);
  response.body() = boost::json::serialize(body);
  return response;
}

net::HttpResponse error_response(const std::string& request_id, const core::ApiError& error) {
  net::HttpResponse response{static_cast<http::status>(error.http_status()), 11};
  response.set(http::field::content_type, kContentType);
  response.set("x-amzn-RequestId", request_id);
  response.set("x-amzn-ErrorType", error.type());
  response.body() =
      boost::json::serialize(boost::json::object{{"__type", error.type()}, {"message", error.message()}});
  return response;
}

ApiServer::ApiServer(const Router& router, const auth::Credentials& credentials,
                     const core::Clock& clock, core::Random& random, std::string account_id)
    : router_(router),
      credentials_(credentials),
      clock_(clock),
      random_(random),
      account_id_(std::move(account_id)) {}

net::HttpResponse ApiServer::reject(http::status status, std::string reason) const {
  std::string type = status == http::status::payload_too_large ? "RequestEntityTooLargeException"
                                                                : "SerializationException";
  return error_response(random_.uuid(), core::ApiError(type, std::move(reason), static_cast<int>(status)));
}

void ApiServer::handle(net::HttpRequest&& request, net::Responder respond) const {
  std::string request_id = random_.uuid();
  try {
    if (request.method() != http::verb::post || request.target() != "/") {
      throw core::ApiError("UnknownOperationException",
                           "The ECS API is served at POST /; got " +
                               std::string(request.method_string()) + " " +
                               std::string(request.target()) + ".");
    }
    auth::HttpRequestView view = sigv4_view(request);
    view.body = std::move(request.body());
    auto caller = auth::verify_sigv4(
        view, [this](const std::string& key) { return credentials_.secret_for(key); },
        clock_.now());
    request.body() = std::move(view.body);

    std::string operation = operation_of(request);
    const auto& schema = model::Schema::ecs();
    const Route* route = router_.find(operation);
    if (!route) {
      throw core::ApiError("UnknownOperationException",
                           schema.has_operation(operation)
                               ? "gantry does not implement " + operation + " yet."
                               : "Unknown operation " + operation + ".");
    }
    boost::json::object body = model::parse_request_body(request.body());
    if (!route->extension) schema.validate_request(operation, body);

    RequestContext context{operation,   request_id,
                           caller.region, account_id_,
                           "arn:aws:iam::" + account_id_ + ":root", clock_.now(),
                           std::move(body)};
    context.start_stream = [respond, request_id](std::string content_type) {
      net::HttpResponse head{http::status::ok, 11};
      head.set(http::field::content_type, content_type);
      head.set("x-amzn-RequestId", request_id);
      return respond.stream(std::move(head));
    };
    route->handler(context, [request_id, operation, respond](state::Answer answer) {
      if (auto* error = std::get_if<core::ApiError>(&answer)) {
        spdlog::debug("{} {} -> {}", request_id, operation, error->type());
        respond(error_response(request_id, *error));
      } else {
        respond(json_response(request_id, std::get<boost::json::object>(answer)));
      }
    });
  } catch (const core::ApiError& error) {
    spdlog::debug("{} refused: {} {}", request_id, error.type(), error.message());
    respond(error_response(request_id, error));
  } catch (const std::exception& error) {
    spdlog::error("{} failed: {}", request_id, error.what());
    respond(error_response(request_id, core::server_error("Internal error; see the server log.")));
  }
}

}  // namespace gantry::api
