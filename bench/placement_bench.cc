// Placements per second as the control plane's writer makes them: a stream
// of RunTask calls (count 10, cpu 10, memory 8) against one cluster, each
// call's tasks committed before the next (the chosen instances' views, with
// the resources and group the tasks took, written back), per strategy, with
// and without a memberOf constraint.
//   BM_Index:        PlacementIndex::place(), then upsert of the changed
//                    instances; 1,000, 10,000 and 100,000 instances.
//   BM_PlaceIndexed: place_indexed() over the same snapshot vector per
//                    call (O(n) per call), updated in place; 10,000.
// Arguments: strategy 0 binpack memory, 1 spread instanceId, 2 random;
// memberOf 1 adds `attribute:zone in [a, b]` (2/3 of the instances).
// The cluster starts again, untimed, when a call finds it full.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/random.h"
#include "scheduler/indexed_placement.h"
#include "scheduler/placement.h"
#include "scheduler/placement_index.h"
#include "scheduler/resource_fit.h"

namespace {

using gantry::scheduler::InstanceView;
using gantry::scheduler::PlacementIndex;
using gantry::scheduler::PlacementRequest;
using gantry::scheduler::PlacementResult;

InstanceView instance(int i) {
  InstanceView v;
  v.id = "ci-" + std::to_string(i);
  v.arn = "arn:aws:ecs:us-east-1:123456789012:container-instance/bench/" + v.id;
  v.ec2_instance_id = "i-" + std::to_string(i);
  v.status = "ACTIVE";
  v.agent_connected = true;
  v.agent_version = "1.70.2";
  v.remaining_cpu = 4096;
  v.remaining_memory = 16384;
  v.attributes = {{"zone", std::string(1, static_cast<char>('a' + i % 3))},
                  {"ecs.os-type", "linux"},
                  {"ecs.instance-type", i % 2 ? "m5.xlarge" : "c5.xlarge"}};
  v.used_tcp_ports = {22, 2375, 2376, 51678, 51679};
  v.task_groups.insert("family:other");
  return v;
}

std::vector<InstanceView> cluster(int n) {
  std::vector<InstanceView> instances;
  instances.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) instances.push_back(instance(i));
  return instances;
}

PlacementIndex index_of(int n) {
  PlacementIndex index;
  for (auto& v : cluster(n)) index.upsert(std::move(v));
  return index;
}

enum Strategy { kBinpack, kSpread, kRandom };

PlacementRequest request(Strategy strategy, bool member_of) {
  PlacementRequest r;
  r.count = 10;
  r.group = "family:web";
  r.launch_type = "EC2";
  r.cpu = 10;
  r.memory = 8;
  switch (strategy) {
    case kBinpack:
      r.strategies = {{"binpack", "memory"}};
      break;
    case kSpread:
      r.strategies = {{"spread", "instanceId"}};
      break;
    case kRandom:
      r.strategies = {{"random", ""}};
      break;
  }
  if (member_of) r.constraints = {{"memberOf", "attribute:zone in [a, b]"}};
  return r;
}

// The instances a call placed on, each as its tasks leave it.
std::vector<std::pair<size_t, InstanceView>> committed(const std::vector<InstanceView>& instances,
                                                       const PlacementRequest& r,
                                                       const PlacementResult& result) {
  std::vector<std::pair<size_t, InstanceView>> changed;
  for (const auto& p : result.placements) {
    auto it = std::find_if(changed.begin(), changed.end(),
                           [&](const auto& c) { return c.first == p.instance; });
    if (it == changed.end())
      it = changed.insert(changed.end(), {p.instance, instances[p.instance]});
    gantry::scheduler::take_resources(it->second, r);
    it->second.task_groups.insert(r.group);
  }
  return changed;
}

using Clock = std::chrono::steady_clock;

// placements/s: the whole stream, commits included (copying a view copies
// its task groups, so that part grows with the tasks an instance holds);
// place_only/s: the placement calls alone.
void report(benchmark::State& state, int64_t placements, Clock::duration placing) {
  state.counters["placements/s"] =
      benchmark::Counter(static_cast<double>(placements), benchmark::Counter::kIsRate);
  state.counters["place_only/s"] =
      static_cast<double>(placements) / std::chrono::duration<double>(placing).count();
}

void BM_Index(benchmark::State& state) {
  const int n = static_cast<int>(state.range(2));
  PlacementIndex index = index_of(n);
  const auto r = request(static_cast<Strategy>(state.range(0)), state.range(1) != 0);
  auto random = gantry::core::make_seeded_random(1);
  int64_t placements = 0;
  Clock::duration placing{};
  for (auto _ : state) {
    const auto start = Clock::now();
    const auto result = index.place(r, *random);
    placing += Clock::now() - start;
    placements += static_cast<int64_t>(result.placements.size());
    for (auto& [slot, view] : committed(index.instances(), r, result))
      index.upsert(std::move(view));
    if (!result.failures.empty()) {
      state.PauseTiming();
      index = index_of(n);
      state.ResumeTiming();
    }
  }
  report(state, placements, placing);
}

void BM_PlaceIndexed(benchmark::State& state) {
  const int n = static_cast<int>(state.range(2));
  auto instances = cluster(n);
  const auto r = request(static_cast<Strategy>(state.range(0)), state.range(1) != 0);
  auto random = gantry::core::make_seeded_random(1);
  int64_t placements = 0;
  Clock::duration placing{};
  for (auto _ : state) {
    const auto start = Clock::now();
    const auto result = gantry::scheduler::place_indexed(instances, r, *random);
    placing += Clock::now() - start;
    placements += static_cast<int64_t>(result.placements.size());
    for (auto& [slot, view] : committed(instances, r, result)) instances[slot] = std::move(view);
    if (!result.failures.empty()) {
      state.PauseTiming();
      instances = cluster(n);
      state.ResumeTiming();
    }
  }
  report(state, placements, placing);
}

void cases(benchmark::internal::Benchmark* b, const std::vector<int64_t>& sizes) {
  b->ArgNames({"strategy", "memberOf", "instances"});
  for (int64_t n : sizes)
    for (int s : {kBinpack, kSpread, kRandom})
      for (int m : {0, 1}) b->Args({s, m, n});
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Index)->Apply([](auto* b) { cases(b, {1000, 10000, 100000}); });
BENCHMARK(BM_PlaceIndexed)->Apply([](auto* b) { cases(b, {10000}); });

}  // namespace

BENCHMARK_MAIN();
