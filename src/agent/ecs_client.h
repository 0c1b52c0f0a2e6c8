#pragma once
// The agent's client of gantry's endpoint: AWS JSON 1.1 requests signed
// with SigV4, as the aws cli would send them, for the ECS API or the
// CloudWatch Logs API served beside it. Blocking; one per thread.
#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "core/clock.h"
#include "net/http_client.h"

namespace gantry::agent {

struct EcsEndpoint {
  std::string url;  // http://host:port
  auth::SigningKey key;
  std::string region;
};

// Which API a request is for: the name SigV4 signs it with and the prefix
// of its X-Amz-Target.
struct AwsService {
  std::string_view signing_name;
  std::string_view target_prefix;
};
inline constexpr AwsService kEcsService{"ecs", "AmazonEC2ContainerServiceV20141113."};
inline constexpr AwsService kLogsService{"logs", "Logs_20140328."};

// A POST / of `operation` with a JSON 1.1 `body`, signed for `service` at `now`.
net::HttpRequest signed_ecs_request(const std::string& host_header, std::string_view operation,
                                    std::string body, const auth::SigningKey& key,
                                    const std::string& region, core::SystemTime now,
                                    AwsService service = kEcsService);

class EcsClient {
 public:
  EcsClient(EcsEndpoint endpoint, const core::Clock& clock, AwsService service = kEcsService);

  // Throws core::ApiError with the server's __type for an error answer, and
  // std::runtime_error when the server cannot be reached.
  boost::json::object call(std::string_view operation, const boost::json::object& body);

  // The signed headers of a WebSocket upgrade request for `target`.
  std::vector<std::pair<std::string, std::string>> signed_upgrade_headers(
      const std::string& target) const;

  const std::string& host() const { return http_.host(); }
  const std::string& port() const { return http_.port(); }

 private:
  EcsEndpoint endpoint_;
  const core::Clock& clock_;
  AwsService service_;
  net::HttpClient http_;
};

}  // namespace gantry::agent
