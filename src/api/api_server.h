#pragma once
// The AWS JSON 1.1 protocol in front of the operation handlers of several
// services (api/service.h):
//   POST /  X-Amz-Target: <service's prefix>.<Operation>
// Every request is authenticated (SigV4), given to the service its target
// names (whose signing name its credential scope must carry), routed, and
// its body validated against the service's botocore model before a handler
// runs (gantry's own operations, Router::add_extension, validate theirs).
// Every response carries x-amzn-RequestId; every error is
// `{"__type": ..., "message": ...}`.
#include <string>
#include <vector>

#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "api/router.h"
#include "api/service.h"
#include "core/clock.h"
#include "core/random.h"
#include "net/http_server.h"

namespace gantry::api {

// ECS's, which its clients and the tests sign with.
inline constexpr std::string_view kTargetPrefix = "AmazonEC2ContainerServiceV20141113.";

class ApiServer {
 public:
  // ECS alone, served by `router`.
  ApiServer(const Router& router, const auth::Credentials& credentials, const core::Clock& clock,
            core::Random& random, std::string account_id);
  ApiServer(std::vector<Service> services, const auth::Credentials& credentials,
            const core::Clock& clock, core::Random& random, std::string account_id);

  // Before the first request: the server does not lock its services.
  void add_service(Service service);

  void handle(net::HttpRequest&& request, net::Responder respond) const;
  net::HttpResponse reject(boost::beast::http::status status, std::string reason) const;

 private:
  // The service whose prefix the target starts with; throws
  // UnknownOperationException when none is.
  const Service& service_of(std::string_view target) const;

  std::vector<Service> services_;
  const auth::Credentials& credentials_;
  const core::Clock& clock_;
  core::Random& random_;
  std::string account_id_;
};

// The request as SigV4 sees it, without its body (moved in by the caller
// so that a large body is not copied on every request).
auth::HttpRequestView sigv4_view(const net::HttpRequest& request);

// The response bodies and headers of the protocol, shared with tests.
net::HttpResponse json_response(const std::string& request_id, const boost::json::object& body);
net::HttpResponse error_response(const std::string& request_id, const core::ApiError& error);

}  // namespace gantry::api
