// libFuzzer target for SigV4 verification, which reads attacker-controlled
// headers before anything else. The input is split on newlines into the
// Authorization header, X-Amz-Date, the request target and the body.
// core::ApiError is the expected answer; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string parts[4];
  for (int i = 0; i < 3; ++i) {
    auto newline = input.find('\n');
    parts[i] = std::string(input.substr(0, newline));
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  }
  parts[3] = std::string(input);
  gantry::auth::HttpRequestView request{
      "POST", parts[2].empty() ? "/" : parts[2],
      {{"Host", "127.0.0.1:8246"}, {"Authorization", parts[0]}, {"X-Amz-Date", parts[1]}},
      parts[3]};
  auto lookup = [](const std::string& key) -> std::optional<std::string> {
    if (key == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    return std::nullopt;
  };
  try {
    gantry::auth::verify_sigv4(request, lookup,
                              gantry::core::SystemTime{std::chrono::seconds{1440938160}});
  } catch (const gantry::core::ApiError&) {
  }
  return 0;
}
