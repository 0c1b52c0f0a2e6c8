// The placement engine alone: placements per second on 10,000 instances,
// place() (the simple oracle) against place_indexed(), per strategy, with
// and without a memberOf constraint. items/s is placements per second.
//   BM_Call:     one call with count=10 against the same snapshot.
//   BM_Sequence: single placements (count=1), each applied to an evolving
//                snapshot, as a scheduler placing one RunTask after another.
// Both functions take the snapshot by const reference; place() copies it
// per call, place_indexed() copies only the instances it places on.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/random.h"
#include "scheduler/indexed_placement.h"
#include "scheduler/placement.h"
#include "scheduler/resource_fit.h"

namespace {

using gantry::scheduler::InstanceView;
using gantry::scheduler::PlacementRequest;
using gantry::scheduler::PlacementResult;

constexpr int kInstances = 10000;

std::vector<InstanceView> cluster() {
  std::vector<InstanceView> instances(kInstances);
  for (int i = 0; i < kInstances; ++i) {
    InstanceView& v = instances[static_cast<size_t>(i)];
    v.id = "ci-" + std::to_string(i);
    v.arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/bench/" + v.id;
    v.ec2_instance_id = "i-" + std::to_string(i);
    v.status = "ACTIVE";
    v.agent_connected = true;
    v.agent_version = "1.70.2";
    v.remaining_cpu = 4096;
    v.remaining_memory = 8192;
    v.attributes = {{"zone", std::string(1, static_cast<char>('a' + i % 3))},
                    {"ecs.os-type", "linux"},
                    {"ecs.instance-type", i % 2 ? "m5.xlarge" : "c5.xlarge"}};
    v.used_tcp_ports = {22, 2375, 2376, 51678, 51679};
    v.task_groups.insert("family:other");
  }
  return instances;
}

enum Strategy { kBinpack, kSpreadInstance, kSpreadZone, kRandom };

PlacementRequest request(Strategy strategy, bool member_of, int count) {
  PlacementRequest r;
  r.count = count;
  r.group = "family:web";
  r.launch_type = "EC2";
  r.cpu = 256;
  r.memory = 512;
  switch (strategy) {
    case kBinpack: r.strategies = {{"binpack", "memory"}}; break;
    case kSpreadInstance: r.strategies = {{"spread", "instanceId"}}; break;
    case kSpreadZone: r.strategies = {{"spread", "attribute:zone"}}; break;
    case kRandom: r.strategies = {{"random", ""}}; break;
  }
  if (member_of) r.constraints = {{"memberOf", "attribute:ecs.instance-type =~ m5.*"}};
  return r;
}

using Place = PlacementResult (*)(const std::vector<InstanceView>&, const PlacementRequest&,
                                  gantry::core::Random&);

template <Place place>
void BM_Call(benchmark::State& state) {
  const auto instances = cluster();
  const auto r = request(static_cast<Strategy>(state.range(0)), state.range(1) != 0, 10);
  auto random = gantry::core::make_seeded_random(1);
  int64_t placements = 0;
  for (auto _ : state) {
    auto result = place(instances, r, *random);
    placements += static_cast<int64_t>(result.placements.size());
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(placements);
}

template <Place place>
void BM_Sequence(benchmark::State& state) {
  auto instances = cluster();
  const auto r = request(static_cast<Strategy>(state.range(0)), state.range(1) != 0, 1);
  auto random = gantry::core::make_seeded_random(1);
  int64_t placements = 0;
  for (auto _ : state) {
    auto result = place(instances, r, *random);
    if (result.placements.empty()) {  // full: start again from an empty cluster
      state.PauseTiming();
      instances = cluster();
      state.ResumeTiming();
      continue;
    }
    for (const auto& p : result.placements) {
      gantry::scheduler::take_resources(instances[p.instance], r);
      instances[p.instance].task_groups.insert(r.group);
    }
    placements += static_cast<int64_t>(result.placements.size());
  }
  state.SetItemsProcessed(placements);
}

void strategies(benchmark::internal::Benchmark* b) {
  b->ArgNames({"strategy", "memberOf"});
  for (int s : {kBinpack, kSpreadInstance, kSpreadZone, kRandom})
    for (int m : {0, 1}) b->Args({s, m});
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK_TEMPLATE(BM_Call, gantry::scheduler::place)->Apply(strategies);
BENCHMARK_TEMPLATE(BM_Call, gantry::scheduler::place_indexed)->Apply(strategies);
BENCHMARK_TEMPLATE(BM_Sequence, gantry::scheduler::place)->Apply(strategies);
BENCHMARK_TEMPLATE(BM_Sequence, gantry::scheduler::place_indexed)->Apply(strategies);

}  // namespace

BENCHMARK_MAIN();
