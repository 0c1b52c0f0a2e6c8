// libFuzzer target for EventBridge event patterns (`gantry events --pattern`
// and the server's StreamEvents take them straight from clients): compile the
// input and match it against fixed ECS events. An input holding a NUL byte
// (which JSON cannot) is split there: the pattern before it, an event after.
// core::ApiError is the expected answer to a bad pattern; anything else
// escaping, or a crash, is a bug.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/event_pattern.h"

namespace {

const std::vector<boost::json::object>& fixed_events() {
  static const std::vector<boost::json::object> events = [] {
    std::vector<boost::json::object> out;
    for (const char* text : {
             R"({"version":"0","id":"1","detail-type":"ECS Task State Change","source":"aws.ecs",
                 "account":"123456789012","time":"2026-12-03T11:00:00Z","region":"us-east-1",
                 "resources":["arn:aws:ecs:us-east-1:123456789012:task/default/abc"],
                 "detail":{"lastStatus":"STOPPED","desiredStatus":"STOPPED","version":3,
                   "containers":[{"name":"web","exitCode":1},{"name":"log","exitCode":0}],
                   "clusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/default",
                   "gpu":null,"spot":false,"attachments":[],"overrides":{}}})",
             R"({"detail-type":"ECS Container Instance State Change","source":"aws.ecs",
                 "detail":{"agentConnected":true,"remainingResources":[
                   {"name":"CPU","integerValue":2048},{"name":"MEMORY","doubleValue":-1.5e300}],
                   "attributes":[[["nested"]], "x", 18446744073709551615]}})",
             R"({})",
         }) {
      out.push_back(boost::json::parse(text).as_object());
    }
    return out;
  }();
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view pattern_text = input.substr(0, input.find('\0'));
  try {
    const auto pattern = gantry::model::EventPattern::compile(pattern_text);
    for (const auto& event : fixed_events()) pattern.matches(event);
    if (pattern_text.size() < input.size()) {
      boost::json::error_code ec;
      boost::json::value event = boost::json::parse(input.substr(pattern_text.size() + 1), ec);
      if (!ec && event.is_object()) pattern.matches(event.get_object());
    }
  } catch (const gantry::core::ApiError&) {
  }
  return 0;
}
