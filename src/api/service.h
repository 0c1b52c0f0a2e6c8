#pragma once
// One AWS service behind the API front: which requests are its (the
// X-Amz-Target prefix, and the SigV4 scope's service), the botocore model
// their bodies are checked against, and the router of its handlers. ECS is
// the first; another is added by registering one more with the ApiServer.
#include <cstddef>
#include <string>

#include "api/router.h"
#include "model/schema.h"

namespace gantry::api {

struct Service {
  std::string target_prefix;  // "AmazonEC2ContainerServiceV20141113." (with its '.')
  std::string signing_name;   // the credential scope's service: "ecs"
  const model::Schema* schema = nullptr;
  const Router* router = nullptr;
  // The largest request body it takes; a larger one is answered 413
  // (RequestEntityTooLargeException). The HTTP server's own limit must be
  // at least the largest of these.
  size_t max_body_bytes = size_t{1} << 20;
};

// The service a botocore model describes (prefix and signing name from its
// metadata), served by `router`.
inline Service service_of(const model::Schema& schema, const Router& router,
                          size_t max_body_bytes = size_t{1} << 20) {
  return {schema.target_prefix() + ".", schema.signing_name(), &schema, &router, max_body_bytes};
}

// ECS: Schema::ecs() and its router.
inline Service ecs_service(const Router& router) {
  return service_of(model::Schema::ecs(), router);
}

}  // namespace gantry::api
