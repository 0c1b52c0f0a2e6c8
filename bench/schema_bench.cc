// What request validation costs on every API call: parse_request_body, then
// Schema::validate_request, for a large body (a three-container
// RegisterTaskDefinition) and a small one (DescribeClusters).
#include <benchmark/benchmark.h>

#include "../tests/unit/model/schema_test_bodies.h"
#include "model/schema.h"

namespace gantry::model {
extern const std::string_view kEcsSchemaJson;
}

namespace {

using gantry::model::parse_request_body;
using gantry::model::Schema;
namespace bodies = gantry::model::testing_bodies;

void parse_only(benchmark::State& state, std::string_view body) {
  for (auto _ : state) {
    boost::json::object request = parse_request_body(body);
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void validate_only(benchmark::State& state, std::string_view operation, std::string_view body) {
  const Schema& schema = Schema::ecs();
  boost::json::object request = parse_request_body(body);
  for (auto _ : state) {
    schema.validate_request(operation, request);
    benchmark::ClobberMemory();
  }
}

void parse_and_validate(benchmark::State& state, std::string_view operation, std::string_view body) {
  const Schema& schema = Schema::ecs();
  for (auto _ : state) {
    boost::json::object request = parse_request_body(body);
    schema.validate_request(operation, request);
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

BENCHMARK_CAPTURE(parse_only, RegisterTaskDefinition, bodies::kRegisterTaskDefinition);
BENCHMARK_CAPTURE(validate_only, RegisterTaskDefinition, "RegisterTaskDefinition", bodies::kRegisterTaskDefinition);
BENCHMARK_CAPTURE(parse_and_validate, RegisterTaskDefinition, "RegisterTaskDefinition",
                  bodies::kRegisterTaskDefinition);
BENCHMARK_CAPTURE(parse_only, DescribeClusters, bodies::kDescribeClusters);
BENCHMARK_CAPTURE(validate_only, DescribeClusters, "DescribeClusters", bodies::kDescribeClusters);
BENCHMARK_CAPTURE(parse_and_validate, DescribeClusters, "DescribeClusters", bodies::kDescribeClusters);

// Schema::ecs() parses the model once per process; this is that cost.
void compile_ecs_model(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Schema::parse(gantry::model::kEcsSchemaJson));
}
BENCHMARK(compile_ecs_model)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
