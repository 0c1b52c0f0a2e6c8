// libFuzzer target for the request path that every API call takes:
// parse_request_body, then validation against the operation's input shape.
// The first byte picks the operation (its index, modulo the count, among
// Schema::ecs().operation_names()); the rest is the body. core::ApiError is
// the expected answer to bad input; anything else escaping is a bug, and
// crashes the fuzzer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "model/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> operations = gantry::model::Schema::ecs().operation_names();
  if (size == 0) return 0;
  const std::string& operation = operations[data[0] % operations.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    boost::json::object request = gantry::model::parse_request_body(body);
    gantry::model::Schema::ecs().validate_request(operation, request);
  } catch (const gantry::core::ApiError&) {
  }
  return 0;
}
