// libFuzzer target for CloudWatch Logs' filter patterns (FilterLogEvents
// takes them straight from clients): compile the input and match it against
// fixed log lines, plain and JSON. An input holding a NUL byte is split
// there: the pattern before it, a message after. core::ApiError is the
// expected answer to a bad pattern; anything else escaping, or a crash, is
// a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "logs/filter_pattern.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view kMessages[] = {
      "",
      "ERROR disk full on /dev/sda1",
      R"({"level":"error","latency":900,"user":{"name":"alice"},"items":[{"id":"a"},null]})",
      R"({"a":1e308,"b":-1e308,"c":true,"d":null,"e":[[[]]],"f":"*"})",
      "{not json",
  };
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view pattern_text = input.substr(0, input.find('\0'));
  try {
    const auto pattern = gantry::logs::FilterPattern::compile(pattern_text);
    for (std::string_view message : kMessages) pattern.matches(message);
    if (pattern_text.size() < input.size()) pattern.matches(input.substr(pattern_text.size() + 1));
  } catch (const gantry::core::ApiError&) {
  }
  return 0;
}
