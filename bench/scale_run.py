#!/usr/bin/env python3
"""End-to-end scale run: a `gantry server`, one `gantry agent --simulate N`
(N hollow container instances over the real agent protocol), and client
threads driving T tasks through RunTask (count 10, SigV4-signed boto3 over
HTTP). Reports the time to register the instances, the time until every
task is RUNNING (the cluster's runningTasksCount, as the agents' reports
land), RunTask calls per second, and the server's peak RSS (VmHWM) with
the bytes it grew per task.

    GANTRY_BIN=build/release/gantry python3 bench/scale_run.py \
        --instances 1000 --tasks 20000 [--threads 4]
"""
import argparse
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from cluster_processes import GantryAgent, GantryServer  # noqa: E402

DEADLINE_S = 1800


def rss_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def wait(what, predicate, interval=0.2):
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("gave up waiting for " + what)
        time.sleep(interval)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")

    server = GantryServer(agent_idle_timeout_s=60).start()
    fleet = None
    try:
        ecs = server.client()
        cluster = "scale"
        ecs.create_cluster(clusterName=cluster)
        base_rss = rss_kib(server.pid(), "VmRSS")

        # Room for every task: each instance offers far more than its share.
        per_instance = -(-args.tasks // args.instances)
        fleet = GantryAgent(server, cluster, cpu=max(1024, 10 * per_instance * 2),
                            memory=max(1024, 8 * per_instance * 2),
                            extra_args=["--simulate", str(args.instances)])
        start = time.monotonic()
        fleet.start(wait_connected=False)

        def registered():
            found = ecs.describe_clusters(clusters=[cluster])["clusters"]
            return found and found[0]["registeredContainerInstancesCount"] >= args.instances

        wait("the instances to register", registered)
        registered_s = time.monotonic() - start
        ecs.register_task_definition(family="scale", containerDefinitions=[
            {"name": "app", "image": "none", "cpu": 10, "memory": 8}])
        after_instances_rss = rss_kib(server.pid(), "VmRSS")

        calls = args.tasks // 10
        counter = iter(range(calls))
        lock = threading.Lock()
        failures = []

        def drive():
            client = server.client()
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                answer = client.run_task(cluster=cluster, taskDefinition="scale", count=10)
                if answer["failures"]:
                    failures.append(answer["failures"][0])

        start = time.monotonic()
        threads = [threading.Thread(target=drive) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        placed_s = time.monotonic() - start

        def all_running():
            found = ecs.describe_clusters(clusters=[cluster])["clusters"][0]
            return found["runningTasksCount"] >= args.tasks - 10 * len(failures)

        wait("every task to be RUNNING", all_running)
        running_s = time.monotonic() - start
        peak = rss_kib(server.pid(), "VmHWM")
        grown = rss_kib(server.pid(), "VmRSS") - after_instances_rss
    finally:
        if fleet:
            fleet.cleanup()
        server.cleanup()

    print("instances %d: registered and connected in %.1f s" % (args.instances, registered_s))
    print("tasks %d through %d RunTask calls on %d threads: calls done in %.1f s (%.0f calls/s), "
          "all RUNNING after %.1f s" % (args.tasks, calls, args.threads, placed_s,
                                         calls / placed_s, running_s))
    if failures:
        print("placement failures: %d calls, e.g. %s" % (len(failures), failures[0]))
    print("server RSS: %.1f MiB at start, peak %.1f MiB; %.0f bytes per task"
          % (base_rss / 1024, peak / 1024, 1024.0 * grown / max(1, args.tasks)))


if __name__ == "__main__":
    main()
