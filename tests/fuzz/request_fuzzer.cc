// libFuzzer target for the request path that every API call takes:
// parse_request_body, then validation against the operation's input shape.
// The first byte picks the service (its high bit: ECS, or CloudWatch Logs)
// and the operation (its low 7 bits: the index, modulo the count, among the
// service schema's operation_names()); the rest is the body. core::ApiError is
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
  using gantry::model::Schema;
  static const Schema* const schemas[] = {&Schema::ecs(), &Schema::logs()};
  static const std::vector<std::string> operations[] = {schemas[0]->operation_names(),
                                                        schemas[1]->operation_names()};
  if (size == 0) return 0;
  const int service = data[0] >> 7;
  const std::vector<std::string>& names = operations[service];
  const std::string& operation = names[(data[0] & 0x7f) % names.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    boost::json::object request = gantry::model::parse_request_body(body);
    schemas[service]->validate_request(operation, request);
  } catch (const gantry::core::ApiError&) {
  }
  return 0;
}
