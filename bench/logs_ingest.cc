// logs_ingest: the CloudWatch Logs ingest rate of a gantry server. Creates a
// log group with --streams streams, then sends PutLogEvents batches of
// --batch events (round-robin over the streams) from --connections
// keep-alive connections until --events are stored, and prints one JSON
// line: events per second, batches, latencies. Signed as boto3 signs.
//
//   logs_ingest --endpoint http://127.0.0.1:PORT --access-key AK --secret-key SK \
//       --streams 64 --connections 8 --batch 1000 --events 2000000 --message-bytes 100
//
// Exit status: 0; 1 on a transport failure; 2 when a call was refused.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "ecs_load_driver.h"

namespace {

namespace json = boost::json;
using gantry::bench::EcsCall;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kLogsPrefix = "Logs_20140328.";

EcsCall logs_call(std::string operation, const json::object& body) {
  return {std::move(operation), json::serialize(body), kLogsPrefix, "logs"};
}

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One PutLogEvents body: `count` events of `bytes`-byte messages, one
// millisecond apart from `first_ms`.
std::string batch_body(const std::string& group, const std::string& stream, int64_t first_ms,
                       int count, size_t bytes, int64_t serial) {
  std::string body =
      fmt::format(R"({{"logGroupName":"{}","logStreamName":"{}","logEvents":[)", group, stream);
  std::string filler(bytes > 24 ? bytes - 24 : 0, 'x');
  for (int i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    body += fmt::format(R"({{"timestamp":{},"message":"INFO event {:012d} {}"}})", first_ms + i,
                        serial + i, filler);
  }
  body += "]}";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"logs_ingest: CloudWatch Logs ingest rate of a gantry server"};
  gantry::agent::EcsEndpoint endpoint{"", {}, "us-east-1"};
  int streams = 64, connections = 8, batch = 1000;
  int64_t events = 2'000'000;
  size_t message_bytes = 100;
  if (const char* key = std::getenv("AWS_ACCESS_KEY_ID")) endpoint.key.access_key_id = key;
  if (const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY")) {
    endpoint.key.secret_access_key = secret;
  }
  app.add_option("--endpoint", endpoint.url, "http://HOST:PORT")->required();
  app.add_option("--access-key", endpoint.key.access_key_id, "default: $AWS_ACCESS_KEY_ID");
  app.add_option("--secret-key", endpoint.key.secret_access_key, "default: $AWS_SECRET_ACCESS_KEY");
  app.add_option("--streams", streams, "Log streams written to")->capture_default_str();
  app.add_option("--connections", connections, "Connections sending")->capture_default_str();
  app.add_option("--batch", batch, "Events per PutLogEvents (1..10000)")->capture_default_str();
  app.add_option("--events", events, "Events to send in all")->capture_default_str();
  app.add_option("--message-bytes", message_bytes, "Bytes per message")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  gantry::bench::DriveLimits limits{1, std::chrono::seconds(60),
                                    Clock::now() + std::chrono::minutes(30)};
  std::string group = fmt::format("/bench/ingest-{}", epoch_ms());
  std::vector<std::string> names;
  for (int i = 0; i < streams; ++i) names.push_back(fmt::format("stream-{:04d}", i));

  bool refused = false;
  auto check = [&refused](const EcsCall& call, const gantry::net::HttpResponse& response,
                          std::chrono::nanoseconds) {
    if (response.result_int() != 200 && !refused) {
      refused = true;
      std::cerr << call.operation << " answered " << response.result_int() << ": "
                << response.body().substr(0, 500) << "\n";
    }
  };

  // The group and its streams, one call at a time.
  std::vector<EcsCall> setup{logs_call("CreateLogGroup", {{"logGroupName", group}})};
  for (const auto& name : names) {
    setup.push_back(
        logs_call("CreateLogStream", {{"logGroupName", group}, {"logStreamName", name}}));
  }
  size_t next_setup = 0;
  auto failure = gantry::bench::drive(
      endpoint, limits,
      [&]() -> std::optional<EcsCall> {
        if (next_setup == setup.size()) return std::nullopt;
        return setup[next_setup++];
      },
      check);
  if (failure) {
    std::cerr << "setup: " << *failure << "\n";
    return 1;
  }
  if (refused) return 2;

  // Every stream's events rise in time; all within the last hour.
  const int64_t batches = (events + batch - 1) / batch;
  const int64_t base_ms = epoch_ms() - 3'600'000;
  std::vector<int64_t> stream_clock(names.size(), base_ms);
  int64_t sent = 0;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<size_t>(batches));
  limits.connections = connections;
  auto started = Clock::now();
  failure = gantry::bench::drive(
      endpoint, limits,
      [&]() -> std::optional<EcsCall> {
        if (sent == batches) return std::nullopt;
        size_t stream = static_cast<size_t>(sent % streams);
        EcsCall call{"PutLogEvents",
                     batch_body(group, names[stream], stream_clock[stream], batch, message_bytes,
                                sent * batch),
                     kLogsPrefix, "logs"};
        stream_clock[stream] += batch;
        ++sent;
        return call;
      },
      [&](const EcsCall& call, const gantry::net::HttpResponse& response,
          std::chrono::nanoseconds latency) {
        check(call, response, latency);
        latencies_ms.push_back(latency.count() / 1e6);
      });
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (failure) {
    std::cerr << "ingest: " << *failure << "\n";
    return 1;
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double q) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[std::min(latencies_ms.size() - 1,
                                       static_cast<size_t>(q * latencies_ms.size()))];
  };
  json::object report{{"group", group},
                      {"streams", streams},
                      {"connections", connections},
                      {"batch", batch},
                      {"message_bytes", message_bytes},
                      {"events", sent * batch},
                      {"seconds", std::round(seconds * 1000) / 1000},
                      {"events_per_second", std::llround(sent * batch / seconds)},
                      {"p50_ms", std::round(at(0.5) * 100) / 100},
                      {"p99_ms", std::round(at(0.99) * 100) / 100}};
  std::cout << json::serialize(report) << std::endl;
  return refused ? 2 : 0;
}
