#pragma once
// Drives ECS (or another JSON 1.1 service's) API calls (AWS JSON 1.1, SigV4-signed as the agent's EcsClient
// signs them) over N keep-alive connections, all on the calling thread: one
// io_context, no locks, no thread switches, so the client takes as little
// CPU as possible from a server on the same machine.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "agent/ecs_client.h"
#include "net/http_server.h"

namespace gantry::bench {

struct EcsCall {
  std::string operation;  // "RunTask"
  std::string body;       // the JSON request
  // Another service on the same endpoint: CloudWatch Logs' "Logs_20140328."
  // and "logs".
  std::string_view target_prefix = "AmazonEC2ContainerServiceV20141113.";
  std::string_view signing_name = "ecs";
};

struct DriveLimits {
  int connections = 1;
  std::chrono::milliseconds call_timeout{30'000};  // connect, or one request and its answer
  std::chrono::steady_clock::time_point deadline;  // for the whole drive
};

// Both run on the calling thread. `next` is asked for a call whenever a
// connection is free (so with one connection, only after the previous call
// was answered); nullopt means no more. `answered` gets every answer, of
// any status, with the time from sending the request to its last byte.
using NextCall = std::function<std::optional<EcsCall>()>;
using OnAnswer = std::function<void(const EcsCall& call, const net::HttpResponse& response,
                                    std::chrono::nanoseconds latency)>;

// Returns once every call is answered, or at the first transport failure
// (connect, send, receive, a call or the deadline timing out, a server
// closing a connection), which it returns; calls then in flight are dropped.
std::optional<std::string> drive(const agent::EcsEndpoint& endpoint, const DriveLimits& limits,
                                 const NextCall& next, const OnAnswer& answered);

}  // namespace gantry::bench
