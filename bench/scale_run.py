#!/usr/bin/env python3
"""End-to-end scale run: a `gantry server`, one `gantry agent --simulate N`
(N hollow container instances over the real agent protocol), and T tasks
driven through RunTask (count 10, SigV4 over HTTP) by `ecs_load`, the C++
load client (bench/ecs_load.cc): boto3 would take more CPU than the server.
Reports the time to register the instances, RunTask calls per second and
latency, the time until every task is RUNNING (the cluster's
runningTasksCount, as the agents' reports land), the CPU the client, the
server and the agents spent meanwhile, the server's peak RSS (VmHWM) with
the bytes it grew per task, and then, with every task in the store,
DescribeTasks (100 tasks a call) and ListTasks (random pages) p50/p99.

    GANTRY_BIN=build/release/gantry GANTRY_LOAD_BIN=build/release/ecs_load \\
        python3 bench/scale_run.py --instances 1000 --tasks 20000 [--connections 8]
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from cluster_processes import GantryAgent, GantryServer  # noqa: E402

DEADLINE_S = 1800
LOAD_DEADLINE_S = 600  # each ecs_load run
CLUSTER = "scale"
FAMILY = "scale"


def rss_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    """User plus system CPU seconds of a live process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait(what, predicate, interval=0.2):
    if os.environ.get("BENCH_VERBOSE"):
        print("waiting for " + what, file=sys.stderr)
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("gave up waiting for " + what)
        time.sleep(interval)


def ecs_load(server, *args):
    """Runs ecs_load; returns its JSON report and its own user+sys CPU seconds."""
    binary = os.environ.get("GANTRY_LOAD_BIN", "build/release/ecs_load")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=server.access_key,
               AWS_SECRET_ACCESS_KEY=server.secret_key)
    command = [binary, "--endpoint", server.endpoint, "--deadline-s", str(LOAD_DEADLINE_S)]
    process = subprocess.Popen(command + list(args), stdout=subprocess.PIPE, env=env)
    # ecs_load bounds itself; wait4 gives the CPU of this child alone.
    output = process.stdout.read()
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    report = json.loads(output) if output.strip() else {}
    if process.returncode != 0:
        raise RuntimeError("ecs_load %s exited with %d: %s" % (args[0], process.returncode, report))
    return report, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=8, help="RunTask connections")
    parser.add_argument("--strategy", default="",
                        help="placementStrategy of every RunTask, e.g. binpack:memory "
                             "(default: none, which places at random)")
    parser.add_argument("--latency-samples", type=int, default=1000,
                        help="DescribeTasks and ListTasks calls timed")
    parser.add_argument("--walk-pages", type=int, default=0,
                        help="ListTasks pages read for tasks and page tokens to sample (0: all)")
    args = parser.parse_args()
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")

    server = GantryServer(agent_idle_timeout_s=60).start()
    fleet = None
    try:
        ecs = server.client()
        ecs.create_cluster(clusterName=CLUSTER)
        base_rss = rss_kib(server.pid(), "VmRSS")

        # Room for every task: each instance offers far more than its share.
        per_instance = -(-args.tasks // args.instances)
        fleet = GantryAgent(server, CLUSTER, cpu=max(1024, 10 * per_instance * 2),
                            memory=max(1024, 8 * per_instance * 2),
                            extra_args=["--simulate", str(args.instances)])
        start = time.monotonic()
        fleet.start(wait_connected=False)

        def registered():
            found = ecs.describe_clusters(clusters=[CLUSTER])["clusters"]
            return found and found[0]["registeredContainerInstancesCount"] >= args.instances

        wait("the instances to register", registered)
        registered_s = time.monotonic() - start
        ecs.register_task_definition(family=FAMILY, containerDefinitions=[
            {"name": "app", "image": "none", "cpu": 10, "memory": 8}])
        after_instances_rss = rss_kib(server.pid(), "VmRSS")

        server_cpu, fleet_cpu = cpu_s(server.pid()), cpu_s(fleet.pid)
        start = time.monotonic()
        run, client_cpu = ecs_load(server, "run-task", "--cluster", CLUSTER,
                                   "--task-definition", FAMILY, "--tasks", str(args.tasks),
                                   "--count", "10", "--connections", str(args.connections),
                                   *(["--strategy", args.strategy] if args.strategy else []))
        placed_s = time.monotonic() - start
        server_cpu, fleet_cpu = cpu_s(server.pid()) - server_cpu, cpu_s(fleet.pid) - fleet_cpu

        def all_running():
            found = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]
            return found["runningTasksCount"] >= run["tasks_placed"]

        wait("every task to be RUNNING", all_running)
        running_s = time.monotonic() - start
        peak = rss_kib(server.pid(), "VmHWM")
        grown = rss_kib(server.pid(), "VmRSS") - after_instances_rss

        reads = {}
        for command in ("describe-tasks", "list-tasks"):
            reads[command], _ = ecs_load(server, command, "--cluster", CLUSTER,
                                         "--samples", str(args.latency_samples),
                                         "--connections", "1",
                                         "--walk-pages", str(args.walk_pages))
    finally:
        if fleet:
            fleet.cleanup()
        server.cleanup()

    calls = run["calls"]
    print("instances %d: registered and connected in %.1f s" % (args.instances, registered_s))
    print("tasks %d through %d RunTask calls on %d connections: calls done in %.1f s "
          "(%.0f calls/s, p50 %.1f ms, p99 %.1f ms), all RUNNING after %.1f s"
          % (run["tasks_placed"], calls, args.connections, placed_s, calls / placed_s,
             run["p50_ms"], run["p99_ms"], running_s))
    if run["failures"]:
        print("placement failures: %d, e.g. %s" % (run["failures"], run["first_failure"]))
    print("CPU while RunTask ran: client %.2f s (%.0f us a call), server %.1f s, agents %.1f s"
          % (client_cpu, 1e6 * client_cpu / max(1, calls), server_cpu, fleet_cpu))
    print("server RSS: %.1f MiB at start, peak %.1f MiB; %.0f bytes per task"
          % (base_rss / 1024, peak / 1024, 1024.0 * grown / max(1, args.tasks)))
    for report in reads.values():
        print("%s with %d tasks stored: p50 %.2f ms, p99 %.2f ms over %d calls "
              "(picking from %d tasks on %d ListTasks pages, walked in %.1f s)"
              % (report["operation"], run["tasks_placed"], report["p50_ms"], report["p99_ms"],
                 report["samples"], report["known_tasks"], report["walk_pages"],
                 report["walk_s"]))
        if report.get("failures"):
            print("  %d DescribeTasks failures" % report["failures"])


if __name__ == "__main__":
    main()
