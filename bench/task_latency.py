#!/usr/bin/env python3
"""RunTask-to-RUNNING latency through the process driver, beside a bare
posix_spawn of the same program on the same machine, in one run.

Starts a fresh `gantry dev` (the binary in $GANTRY_BIN, default
build/release/gantry), then N times: RunTask of a one-container task that
runs /bin/true, and DescribeTasks until the task has a startedAt. The
latency of a task is startedAt (stamped by the control plane when the
agent's RUNNING report is durable) minus the wall-clock time just before
RunTask was sent: it covers the client's signed request, the durable
commit of the task, the push to the agent, the shim's fork and exec, the
report and its durable commit. The baseline is the time os.posix_spawn
takes to start /bin/true (its exec done), measured in the same run.

    GANTRY_BIN=build/release/gantry python3 bench/task_latency.py [N]
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from gantry_process import GantryProcess  # noqa: E402
from latency_report import report  # noqa: E402

PROGRAM = "/bin/true"
DEADLINE_S = 120
POLL_INTERVAL_S = 0.005


def spawn_latencies(n):
    latencies = []
    for _ in range(n):
        start = time.perf_counter()
        pid = os.posix_spawn(PROGRAM, [PROGRAM], os.environ)
        latencies.append(time.perf_counter() - start)
        os.waitpid(pid, 0)
    return latencies


def task_latencies(ecs, n):
    ecs.register_task_definition(
        family="latency",
        containerDefinitions=[{"name": "true", "image": "none", "memory": 16,
                               "entryPoint": [PROGRAM]}])
    latencies = []
    deadline = time.monotonic() + DEADLINE_S
    for _ in range(n):
        sent = time.time()
        arn = ecs.run_task(taskDefinition="latency")["tasks"][0]["taskArn"]
        while time.monotonic() < deadline:
            task = ecs.describe_tasks(tasks=[arn])["tasks"][0]
            if "startedAt" in task:
                latencies.append(task["startedAt"].timestamp() - sent)
                break
            if task["lastStatus"] == "STOPPED":
                raise RuntimeError("task stopped without running: %s" % task.get("stoppedReason"))
            # The figure is the server's startedAt, so polling faster would
            # only take the two cores away from the path being measured.
            time.sleep(POLL_INTERVAL_S)
        else:
            raise RuntimeError("gave up after %d s" % DEADLINE_S)
    return latencies


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")
    gantry = GantryProcess()
    gantry.start()
    try:
        ecs = gantry.client()
        task_latencies(ecs, 5)  # warm up the connection and the agent
        tasks = task_latencies(ecs, n)
        spawns = spawn_latencies(n)
    finally:
        gantry.cleanup()
    spawn_p50 = report("posix_spawn " + PROGRAM, spawns)
    task_p50 = report("RunTask -> RUNNING", tasks)
    print("difference of the p50s: %.2f ms (startedAt has millisecond resolution)" %
          (task_p50 - spawn_p50))


if __name__ == "__main__":
    main()
