// The SQLite store's costs: a commit is bound by its fsync, so batching ops
// into one transaction (group commit) divides that cost among them.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "store/sqlite_store.h"

namespace {

using gantry::store::Put;
using gantry::store::Store;
using gantry::store::Txn;

// A store in a fresh directory under /tmp (a real disk here: fsync counts).
class BenchStore {
 public:
  BenchStore() {
    std::string name = "/tmp/gantry-store-bench-XXXXXX";
    if (mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = name;
    store_ = gantry::store::open_sqlite_store((dir_ / "bench.db").string());
  }
  ~BenchStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

// Keys shaped like the state's: 100 groups of 100 records each.
std::string record_key(int64_t i) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "tasks/cluster-%03lld/%08lld",
                static_cast<long long>(i / 100 % 100), static_cast<long long>(i));
  return buffer;
}

const std::string kValue(1024, 'v');  // about one serialized task
constexpr int64_t kRecords = 10000;

void fill(Store& store) {
  for (int64_t start = 0; start < kRecords; start += 1000) {
    Txn txn;
    for (int64_t i = start; i < start + 1000; ++i) txn.ops.push_back(Put{record_key(i), kValue});
    store.commit(txn);
  }
}

void commit_batches(benchmark::State& state) {
  BenchStore store;
  const int64_t batch = state.range(0);
  int64_t next = 0;
  for (auto _ : state) {
    Txn txn;
    for (int64_t i = 0; i < batch; ++i) txn.ops.push_back(Put{record_key(next++ % kRecords), kValue});
    benchmark::DoNotOptimize(store->commit(txn));
  }
  state.SetItemsProcessed(state.iterations() * batch);  // ops per second
}
// Real time: a commit waits on its fsync, which costs no CPU.
BENCHMARK(commit_batches)
    ->Name("store_commit_ops")
    ->Arg(1)
    ->Arg(64)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void get(benchmark::State& state) {
  BenchStore store;
  fill(*store);
  int64_t i = 0;
  for (auto _ : state) {
    // A stride co-prime with kRecords visits every key in a scattered order.
    benchmark::DoNotOptimize(store->get(record_key(i)));
    i = (i + 7919) % kRecords;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(get)->Name("store_get")->Unit(benchmark::kMicrosecond);

void range_100(benchmark::State& state) {
  BenchStore store;
  fill(*store);
  int64_t group = 0;
  for (auto _ : state) {
    auto kvs = store->range(record_key(group * 100).substr(0, 18));  // "tasks/cluster-NNN/"
    if (kvs.size() != 100) state.SkipWithError("expected 100 keys");
    benchmark::DoNotOptimize(kvs);
    group = (group + 37) % 100;
  }
  state.SetItemsProcessed(state.iterations() * 100);  // keys per second
}
BENCHMARK(range_100)->Name("store_range_100")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
