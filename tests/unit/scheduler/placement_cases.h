#pragma once
// Random clusters and requests for the property tests that hold a placement
// engine to place(), and describers that make a failing case readable.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/instance_builder.h"
#include "scheduler/placement.h"

namespace gantry::scheduler::testing {

// Everything a result says, in a form gtest compares and prints.
inline std::string describe(const PlacementResult& result) {
  std::ostringstream out;
  for (const auto& p : result.placements) {
    out << p.instance;
    for (const auto& gpu : p.gpu_ids) out << "/" << gpu;
    out << " ";
  }
  for (const auto& f : result.failures) out << "[" << f.arn << " " << f.reason << "]";
  return out.str();
}

inline std::string describe(const InstanceView& v) {
  std::ostringstream out;
  out << v.id << " " << v.status << (v.offers_ec2 ? " ec2" : "") << (v.offers_fargate ? " fg" : "")
      << " run=" << v.running_tasks_count << " cpu=" << v.remaining_cpu
      << " mem=" << v.remaining_memory << " tcp=";
  for (int32_t p : v.used_tcp_ports) out << p << ",";
  out << " udp=";
  for (int32_t p : v.used_udp_ports) out << p << ",";
  out << " gpus=";
  for (const auto& g : v.free_gpu_ids) out << g << ",";
  for (const auto& [k, val] : v.attributes) out << " " << k << "=" << val;
  for (const auto& [g, n] : v.task_groups) out << " " << g << "x" << n;
  return out.str();
}

// One line per instance, led by its position (Placement::instance).
inline std::string describe(const std::vector<InstanceView>& instances) {
  std::string out;
  for (size_t i = 0; i < instances.size(); ++i)
    out += std::to_string(i) + ": " + describe(instances[i]) + "\n";
  return out;
}

inline std::string describe(const PlacementRequest& r) {
  std::ostringstream out;
  out << "request: count=" << r.count << " group=" << r.group << " launch=" << r.launch_type
      << " cpu=" << r.cpu << " mem=" << r.memory << " gpu=" << r.gpu_count << " tcp=";
  for (int32_t p : r.tcp_host_ports) out << p << ",";
  out << " udp=";
  for (int32_t p : r.udp_host_ports) out << p << ",";
  for (const auto& a : r.required_attributes) out << " requires " << a;
  for (const auto& c : r.constraints) out << " {" << c.type << " " << c.expression << "}";
  for (const auto& s : r.strategies) out << " <" << s.type << " " << s.field << ">";
  return out.str();
}

using Strategies = std::vector<PlacementStrategy>;

// Random clusters and requests with coarse values, so that ties (where an
// engine could pick another instance than place()), full instances and
// rejections of every kind are common. The same seed gives the same cases.
class CaseGenerator {
 public:
  explicit CaseGenerator(uint64_t seed) : rng_(seed) {}

  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }

  template <typename T>
  T one_of(const std::vector<T>& options) {
    return options[static_cast<size_t>(pick(0, static_cast<int>(options.size()) - 1))];
  }

  std::string group() { return one_of<std::string>({"family:web", "family:x", "service:api"}); }

  InstanceView instance(const std::string& id) {
    auto v = make_instance(id, 256 * pick(0, 8), 512 * pick(0, 8));
    v.status =
        one_of<std::string>({"ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "DRAINING", "INACTIVE"});
    v.offers_ec2 = pick(0, 9) != 0;
    v.offers_fargate = pick(0, 3) == 0;
    v.running_tasks_count = pick(0, 5);
    if (pick(0, 9) != 0) v.attributes["zone"] = one_of<std::string>({"a", "b", "c"});
    if (pick(0, 1) == 0) v.attributes["rack"] = one_of<std::string>({"r1", "r2"});
    if (pick(0, 4) != 0) v.attributes["ecs.os-type"] = "linux";
    v.attributes["ecs.instance-type"] = one_of<std::string>({"x", "y", "z"});
    if (pick(0, 3) == 0) v.used_tcp_ports.insert(80);
    if (pick(0, 5) == 0) v.used_tcp_ports.insert(8080);
    if (pick(0, 7) == 0) v.used_udp_ports.insert(53);
    for (int g = pick(0, 3) == 0 ? pick(1, 3) : 0; g > 0; --g)
      v.free_gpu_ids.push_back(id + "-gpu" + std::to_string(g));
    for (int t = pick(0, 3); t > 0; --t) v.task_groups.insert(group());
    return v;
  }

  // Mostly up to 60 instances, sometimes none or a few.
  std::vector<InstanceView> cluster() {
    std::vector<InstanceView> instances;
    const int n = pick(0, 20) == 0 ? pick(0, 3) : pick(1, 60);
    for (int i = 0; i < n; ++i) instances.push_back(instance("c" + std::to_string(i)));
    return instances;
  }

  // A request with one of `strategies`: each test weights the strategies
  // its engine handles.
  PlacementRequest request(const std::vector<Strategies>& strategies) {
    auto r = make_request(pick(1, 10), 128 * pick(0, 8), 256 * pick(0, 8));
    r.group = group();
    r.launch_type = one_of<std::string>({"EC2", "EC2", "", "FARGATE", "EC2", "EXTERNAL"});
    if (pick(0, 2) == 0)
      r.tcp_host_ports = one_of<std::vector<int32_t>>({{80}, {8080}, {0}, {0, 80}});
    if (pick(0, 9) == 0) r.udp_host_ports = {53};
    r.gpu_count = pick(0, 4) == 0 ? pick(1, 2) : 0;
    if (pick(0, 5) == 0) r.required_attributes = {one_of<std::string>({"zone", "ecs.os-type"})};
    if (pick(0, 3) == 0) r.constraints.push_back({"distinctInstance", ""});
    for (int m = pick(0, 2) == 0 ? pick(1, 2) : 0; m > 0; --m)
      r.constraints.push_back({"memberOf", one_of<std::string>({
                                               "attribute:zone == a",
                                               "attribute:zone in [a, b]",
                                               "attribute:ecs.instance-type in [x, y]",
                                               "not(task:group == family:x)",
                                               "task:group == family:web or attribute:rack == r1",
                                               "attribute:zone != c and runningTasksCount < 3",
                                           })});
    r.strategies = one_of(strategies);
    return r;
  }

  // Ten EC2 tasks without GPUs, for homogeneous_cluster().
  PlacementRequest homogeneous_request(const std::vector<Strategies>& strategies) {
    auto r = request(strategies);
    r.launch_type = "EC2";
    r.count = 10;
    r.gpu_count = 0;
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

// 500 instances alike but for their ids, zones (a, b, c in turn) and
// instance types (z, x in turn): many exact ties.
inline std::vector<InstanceView> homogeneous_cluster() {
  std::vector<InstanceView> instances;
  for (int i = 0; i < 500; ++i) {
    auto v = make_instance("h" + std::to_string(i), 1024, 2048);
    v.attributes["zone"] = std::string(1, static_cast<char>('a' + i % 3));
    v.attributes["ecs.instance-type"] = i % 2 ? "x" : "z";
    instances.push_back(std::move(v));
  }
  return instances;
}

// Calls check(seed, generate) for `cases` seeds from base_seed, each with a
// generator of its own so that a failing seed reproduces alone; failures
// name the seed, and the first one ends the run.
template <typename Check>
void for_each_case(uint64_t base_seed, int cases, Check check) {
  for (int n = 0; n < cases; ++n) {
    const uint64_t seed = base_seed + static_cast<uint64_t>(n);
    SCOPED_TRACE(::testing::Message() << "case " << n << " seed " << seed);
    CaseGenerator generate(seed);
    check(seed, generate);
    if (::testing::Test::HasFailure()) return;
  }
}

// What a property test's placement calls did: one whose cases never place,
// or never fail, checks little.
class Outcomes {
 public:
  void count(const PlacementResult& result) {
    ++calls_;
    placed_ += static_cast<int>(result.placements.size());
    failed_ += result.failures.empty() ? 0 : 1;
  }
  // More tasks placed than calls, and failures in more than one call in ten.
  void expect_both() const {
    EXPECT_GT(placed_, calls_);
    EXPECT_GT(failed_, calls_ / 10);
  }

 private:
  int calls_ = 0, placed_ = 0, failed_ = 0;
};

}  // namespace gantry::scheduler::testing
