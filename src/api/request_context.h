#pragma once
// What an operation handler is given: the validated request and who sent it,
// and how it answers (once, from any thread).
#include <boost/json.hpp>

#include <functional>
#include <string>

#include "core/clock.h"
#include "net/response_stream.h"
#include "state/control_state.h"

namespace gantry::api {

struct RequestContext {
  std::string operation;
  std::string request_id;
  std::string region;      // from the SigV4 credential scope
  std::string account_id;  // the operator's configured account
  std::string caller_arn;  // the IAM-style principal of the access key
  core::SystemTime now;
  boost::json::object body;  // validated against the operation's input shape
  // For an operation that answers with a stream (gantry's StreamEvents):
  // starts a 200 response of `content_type` whose body follows in pieces,
  // in place of the Reply. Set for gantry's own operations (extensions)
  // only; null where the connection cannot stream.
  std::function<std::shared_ptr<net::ResponseStream>(std::string content_type)> start_stream;
};

using Reply = std::function<void(state::Answer)>;
using OperationHandler = std::function<void(RequestContext&, Reply)>;

}  // namespace gantry::api
