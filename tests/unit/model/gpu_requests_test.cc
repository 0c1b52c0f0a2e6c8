// The agent channel's gpuRequests and gpuRequestResult messages: round
// trips, and what each end refuses to read.
#include "model/gpu_requests.h"

#include <gtest/gtest.h>

#include "model/agent_protocol.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

json::object wire(const json::object& message) {
  return json::parse(json::serialize(message)).as_object();
}

GpuRequestResult a_result() {
  GpuHealth lost{.uuid = "GPU-bbbb",
                 .health_status = std::string(kGpuUnhealthy),
                 .reason = "GPU_IS_LOST",
                 .message = "GPU is lost",
                 .action = "RESTART_BM",
                 .last_xid = 79,
                 .changed_at = 1700000000.5};
  return {.id = "req-1",
          .kind = "recover",
          .ok = false,
          .exit_code = 3,
          .output = "reset failed\n",
          .gpus = {GpuHealth{.uuid = "GPU-aaaa"}, lost}};
}

TEST(GpuRequestsProtocol, RequestsRoundTripThroughTheWire) {
  std::vector<GpuRequest> requests{{"req-1", "diagnose", {"GPU-aaaa", "GPU-bbbb"}},
                                   {"req-2", "recover", {"GPU-bbbb"}},
                                   {"req-3", "return", {"GPU-aaaa"}},
                                   {"req-4", "hold", {"GPU-aaaa"}, "the diagnostic failed"}};
  json::object message = gpu_requests_message(requests);
  EXPECT_EQ(message_type(message), "gpuRequests");
  EXPECT_EQ(parse_gpu_requests(wire(message)), requests);
  EXPECT_TRUE(parse_gpu_requests(wire(gpu_requests_message({}))).empty());
}

TEST(GpuRequestsProtocol, ResultsRoundTripThroughTheWire) {
  GpuRequestResult result = a_result();
  json::object message = gpu_request_result_message(result);
  EXPECT_EQ(message_type(message), "gpuRequestResult");
  EXPECT_EQ(message.at("exitCode"), 3);
  EXPECT_EQ(parse_gpu_request_result(wire(message)), result);

  result.exit_code.reset();  // no command ran
  result.ok = true;
  message = gpu_request_result_message(result);
  EXPECT_FALSE(message.contains("exitCode"));
  EXPECT_EQ(parse_gpu_request_result(wire(message)), result);
}

TEST(GpuRequestsProtocol, KnowsTheFourKinds) {
  EXPECT_TRUE(known_gpu_request_kind("diagnose"));
  EXPECT_TRUE(known_gpu_request_kind("recover"));
  EXPECT_TRUE(known_gpu_request_kind("return"));
  EXPECT_TRUE(known_gpu_request_kind("hold"));
  EXPECT_FALSE(known_gpu_request_kind("reset"));
  EXPECT_FALSE(known_gpu_request_kind(""));
}

TEST(GpuRequestsProtocol, RefusesMalformedRequests) {
  json::object good = gpu_requests_message({{"req-1", "diagnose", {"GPU-aaaa"}}});
  auto with_request = [&](auto change) {
    json::object message = good;
    change(message.at("requests").as_array().at(0).as_object());
    return message;
  };
  auto refused = [](const json::object& message) {
    EXPECT_THROW(parse_gpu_requests(message), std::runtime_error) << json::serialize(message);
  };
  json::object other = good;
  other["type"] = "desiredTasks";
  refused(other);
  other = good;
  other.erase("type");
  refused(other);
  other = good;
  other["requests"] = "all";
  refused(other);
  other = good;
  other.erase("requests");
  refused(other);
  other = good;
  other["requests"] = json::array{"req-1"};
  refused(other);
  refused(with_request([](json::object& r) { r.erase("id"); }));
  refused(with_request([](json::object& r) { r["id"] = ""; }));
  refused(with_request([](json::object& r) { r["id"] = 7; }));
  refused(with_request([](json::object& r) { r["kind"] = "reset"; }));
  refused(with_request([](json::object& r) { r.erase("kind"); }));
  refused(with_request([](json::object& r) { r.erase("gpus"); }));
  refused(with_request([](json::object& r) { r["gpus"] = json::array{}; }));
  refused(with_request([](json::object& r) { r["gpus"] = "GPU-aaaa"; }));
  refused(with_request([](json::object& r) { r["gpus"] = json::array{"GPU-aaaa", 1}; }));
  refused(with_request([](json::object& r) { r["gpus"] = json::array{""}; }));
}

TEST(GpuRequestsProtocol, RefusesMalformedResults) {
  json::object good = gpu_request_result_message(a_result());
  auto refused = [&](auto change) {
    json::object message = good;
    change(message);
    EXPECT_THROW(parse_gpu_request_result(message), std::runtime_error)
        << json::serialize(message);
  };
  refused([](json::object& m) { m["type"] = "gpuHealth"; });
  refused([](json::object& m) { m.erase("id"); });
  refused([](json::object& m) { m["kind"] = "reboot"; });
  refused([](json::object& m) { m.erase("ok"); });
  refused([](json::object& m) { m["ok"] = "true"; });
  refused([](json::object& m) { m["exitCode"] = "3"; });
  refused([](json::object& m) { m["exitCode"] = 3.5; });
  refused([](json::object& m) { m["gpus"] = json::array{"GPU-aaaa"}; });
}

TEST(GpuRequestsProtocol, KeepsOnlyTheEndOfALongOutput) {
  GpuRequestResult result = a_result();
  result.output = std::string(kGpuRequestOutputBytes, 'x') + "END";
  GpuRequestResult parsed = parse_gpu_request_result(wire(gpu_request_result_message(result)));
  EXPECT_EQ(parsed.output.size(), kGpuRequestOutputBytes);
  EXPECT_TRUE(parsed.output.ends_with("xEND"));
  // A null exitCode is no exit code.
  json::object message = gpu_request_result_message(a_result());
  message["exitCode"] = nullptr;
  EXPECT_FALSE(parse_gpu_request_result(message).exit_code);
}

}  // namespace
}  // namespace gantry::model
