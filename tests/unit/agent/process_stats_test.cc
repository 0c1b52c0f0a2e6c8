// The process driver's stats: the kernel texts it reads, and a sample of a
// live child process, with and without a memory cgroup.
#include "agent/drivers/process_stats.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "agent/container_usage.h"
#include "poll_until.h"
#include "process_test_support.h"

namespace gantry::agent {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST(ProcessStatsTest, ReadsCpuTicksOfAProcess) {
  // A name with blanks and parentheses; utime 100, stime 20, cutime 3, cstime 4.
  std::string stat =
      "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 500 0 0 0 100 20 3 4 20 0 1 0 "
      "5000 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  EXPECT_EQ(process_cpu_ticks(stat), 127u);
  EXPECT_FALSE(process_cpu_ticks("1234 (x) S 1 2 3"));
  EXPECT_FALSE(process_cpu_ticks("no parenthesis"));
}

TEST(ProcessStatsTest, ReadsSystemTicksAsDockerSumsThem) {
  std::string stat =
      "cpu  10 20 30 40 50 60 70 80 90 100\n"
      "cpu0 1 2 3 4 5 6 7 8 9 10\n"
      "intr 12345\n";
  EXPECT_EQ(system_cpu_ticks(stat), 280u);  // user..softirq, not steal or guest
  EXPECT_FALSE(system_cpu_ticks("cpu0 1 2 3 4 5 6 7 8\n"));
}

TEST(ProcessStatsTest, ReadsIntegerLinesAndMemTotal) {
  json::object lines = integer_lines("cache 4096\ntotal_inactive_file 1024\nbogus\nhuge x\n");
  EXPECT_EQ(lines, (json::object{{"cache", 4096u}, {"total_inactive_file", 1024u}}));
  EXPECT_EQ(mem_total_bytes("MemTotal:       16318480 kB\nMemFree: 1 kB\n"),
            int64_t{16318480} * 1024);
  EXPECT_FALSE(mem_total_bytes("MemFree: 1 kB\n"));
}

// A child that, once told to go, touches 8 MiB and then spins; killed by
// the destructor.
class SpinningChild {
 public:
  static constexpr size_t kTouched = 8 << 20;

  SpinningChild() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls here: the test binary has threads.
      char go = 0;
      ::close(fds[1]);
      while (::read(fds[0], &go, 1) < 0) {
      }
      void* memory =
          ::mmap(nullptr, kTouched, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (memory != MAP_FAILED) std::memset(memory, 1, kTouched);
      volatile uint64_t spin = 0;
      while (true) spin = spin + 1;
    }
    ::close(fds[0]);
    go_ = fds[1];
  }
  ~SpinningChild() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    if (go_ >= 0) ::close(go_);
  }
  pid_t pid() const { return pid_; }
  // Lets it start touching memory (after the test moved it to its cgroup).
  void go() {
    ::close(go_);
    go_ = -1;
  }

 private:
  pid_t pid_;
  int go_ = -1;
};

uint64_t number(const json::value& v) { return v.to_number<uint64_t>(); }

std::optional<json::object> sample_after_start(pid_t pid, const std::filesystem::path& cgroup,
                                               int version) {
  // Until the child has touched its memory.
  std::optional<json::object> stats;
  gantry::testing::poll_until([&] {
    stats = process_stats(pid, cgroup, version);
    return stats && number(stats->at("memory_stats").at("usage")) >= SpinningChild::kTouched;
  });
  return stats;
}

TEST(ProcessStatsTest, SamplesALiveProcessWithoutACgroup) {
  SpinningChild child;
  child.go();
  auto first = sample_after_start(child.pid(), {}, 0);
  ASSERT_TRUE(first);
  const json::object& memory = first->at("memory_stats").as_object();
  EXPECT_GE(number(memory.at("usage")), SpinningChild::kTouched);
  auto host = mem_total_bytes(read_file("/proc/meminfo"));
  ASSERT_TRUE(host);
  EXPECT_EQ(number(memory.at("limit")), static_cast<uint64_t>(*host));
  EXPECT_GE(number(first->at("cpu_stats").at("online_cpus")), 1u);
  EXPECT_TRUE(first->at("precpu_stats").as_object().empty());

  // It spins: sampled again until its CPU time has grown (for 3 s at most).
  auto before = cpu_times(first->at("cpu_stats").as_object());
  ASSERT_TRUE(before);
  std::optional<json::object> second;
  std::optional<CpuTimes> after;
  gantry::testing::poll_until([&] {
    second = process_stats(child.pid(), {}, 0);
    after = second ? cpu_times(second->at("cpu_stats").as_object()) : std::nullopt;
    return after && after->container_ns > before->container_ns;
  });
  ASSERT_TRUE(second);
  ASSERT_TRUE(after);
  EXPECT_GT(after->container_ns, before->container_ns);
  EXPECT_GT(after->system_ns, before->system_ns);
  EXPECT_GT(container_usage(*second, before).cpu_percent, 0.0);
}

TEST(ProcessStatsTest, NothingForAProcessThatIsGone) {
  pid_t pid = 0;
  {
    SpinningChild child;
    pid = child.pid();
  }
  EXPECT_FALSE(process_stats(pid, {}, 0));
  EXPECT_FALSE(process_stats(0, {}, 0));
}

TEST(ProcessStatsTest, ReadsTheMemoryCgroupOfALiveProcess) {
  const CgroupMemory& cgroups = detected_cgroups();
  if (!cgroups.usable()) GTEST_SKIP() << "no memory cgroup: " << cgroups.why_unusable();
  constexpr int64_t kLimit = 64 << 20;
  std::string task_id = "stats-test-" + std::to_string(::getpid());
  auto group = cgroups.create(task_id, "app", {}, {kLimit, std::nullopt});
  ASSERT_FALSE(group.empty());
  {
    SpinningChild child;
    std::ofstream(group / "cgroup.procs") << child.pid();
    child.go();
    auto stats = sample_after_start(child.pid(), group, cgroups.version());
    ASSERT_TRUE(stats);
    const json::object& memory = stats->at("memory_stats").as_object();
    EXPECT_EQ(number(memory.at("limit")), static_cast<uint64_t>(kLimit));
    EXPECT_GE(number(memory.at("usage")), SpinningChild::kTouched);
    // The cgroup's own memory.stat, which the collector subtracts from.
    EXPECT_TRUE(memory.at("stats").as_object().contains(cgroups.version() == 1 ? "cache" : "anon"));
    EXPECT_EQ(number(stats->at("pids_stats").at("current")), 1u);
    // The spinning child's CPU time, read through the group's member list
    // (in clock ticks: give it a few).
    auto cpu_of = [&] {
      auto later = process_stats(child.pid(), group, cgroups.version());
      return later ? number(later->at("cpu_stats").at("cpu_usage").at("total_usage")) : 0;
    };
    EXPECT_TRUE(gantry::testing::poll_until([&] { return cpu_of() > 0; }));
  }
  cgroups.remove(group);
}

}  // namespace
}  // namespace gantry::agent
