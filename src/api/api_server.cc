#include "api/api_server.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "auth/sigv4.h"
#include "model/schema.h"

namespace gantry::api {

namespace http = boost::beast::http;

namespace {
constexpr std::string_view kContentType = "application/x-amz-json-1.1";

// "A<Operation>", "A<Operation> or B<Operation>", ...
std::string expected_targets(const std::vector<Service>& services) {
  std::string out;
  for (size_t i = 0; i < services.size(); ++i) {
    if (i > 0) out += i + 1 == services.size() ? " or " : ", ";
    out += services[i].target_prefix + "<Operation>";
  }
  return out;
}
}  // namespace

const Service& ApiServer::service_of(std::string_view target) const {
  for (const Service& service : services_) {
    if (target.starts_with(service.target_prefix)) return service;
  }
  throw core::ApiError("UnknownOperationException",
                       target.empty() ? "Missing X-Amz-Target header naming the operation."
                                      : "Unknown target '" + std::string(target) +
                                            "': expected " + expected_targets(services_) + ".");
}

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
    : ApiServer(std::vector<Service>{ecs_service(router)}, credentials, clock, random,
                std::move(account_id)) {}

ApiServer::ApiServer(std::vector<Service> services, const auth::Credentials& credentials,
                     const core::Clock& clock, core::Random& random, std::string account_id)
    : services_(std::move(services)),
      credentials_(credentials),
      clock_(clock),
      random_(random),
      account_id_(std::move(account_id)) {}

void ApiServer::add_service(Service service) {
  for (const Service& known : services_) {
    if (known.target_prefix == service.target_prefix) {
      throw std::logic_error("service registered twice: " + service.target_prefix);
    }
  }
  services_.push_back(std::move(service));
}

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

    std::string_view target = request["X-Amz-Target"];
    const Service& service = service_of(target);
    if (caller.service != service.signing_name) {
      throw core::ApiError("InvalidSignatureException",
                           "Credential should be scoped to correct service: '" +
                               service.signing_name + "'.",
                           403);
    }
    if (request.body().size() > service.max_body_bytes) {
      throw core::ApiError("RequestEntityTooLargeException",
                           "The request body is " + std::to_string(request.body().size()) +
                               " bytes; " + service.signing_name + " takes at most " +
                               std::to_string(service.max_body_bytes) + ".",
                           413);
    }
    std::string operation(target.substr(service.target_prefix.size()));
    const model::Schema& schema = *service.schema;
    const Route* route = service.router->find(operation);
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
    if (route->extension) {  // only gantry's own operations stream
      context.start_stream = [respond, request_id](std::string content_type) {
        net::HttpResponse head{http::status::ok, 11};
        head.set(http::field::content_type, content_type);
        head.set("x-amzn-RequestId", request_id);
        return respond.stream(std::move(head));
      };
    }
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
