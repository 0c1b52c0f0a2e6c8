#!/usr/bin/env python3
"""How fast a GPU job recovers: a `gantry server` and three `gantry agent`s
of two fake-NVML GPUs each (the process driver), a job of two tasks of two
GPUs (gantry:recovery = job, distinctInstance). Each round writes XID 79 to
one of the job's GPUs in the agent's fake NVML file and reports:
  (a) fault -> siblings STOPPED: the later stoppedAt of the job's two tasks,
  (b) fault -> job RUNNING again: the later startedAt of attempt 2's tasks,
both from the time just before the file was written. The diagnostic is the
agent's built-in NVML check, or with --diagnostic-task a task
(--gpu-diagnostic-task-definition) started on the faulty instance with its
GPU, which exits 0; no recovery command is set, so the faulty GPU stays out
and the job restarts on the other two instances. Between rounds the GPU is
returned to service and the job's tasks are stopped.

    GANTRY_BIN=build/release/gantry python3 bench/gpu_recovery.py --rounds 20 [--diagnostic-task]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from cluster_processes import GantryAgent, GantryServer  # noqa: E402
from fake_gpus import FakeGpus, fake_nvml_library  # noqa: E402

CLUSTER = "bench-gpu"
TIMEOUT_S = 30


def wait(what, predicate, timeout=TIMEOUT_S, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for " + what)
        time.sleep(interval)


def timestamp(value):
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--diagnostic-task", action="store_true",
                        help="diagnose with a task on the instance, not the agent's NVML check")
    args = parser.parse_args()
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")

    tmp = tempfile.mkdtemp(prefix="gantry-bench-gpu-")
    extra = ["--gpu-diagnostic-task-definition", "diag"] if args.diagnostic_task else []
    server = GantryServer(extra_args=extra).start()
    agents = []
    try:
        ecs = server.client()
        ecs.create_cluster(clusterName=CLUSTER)
        nodes = {}
        for node in range(3):
            gpus = FakeGpus(tmp, node)
            agent = GantryAgent(server, CLUSTER, extra_args=["--nvml-library", fake_nvml_library()],
                                env={"GANTRY_FAKE_NVML": gpus.path})
            agents.append(agent)
            agent.start()
            nodes[agent.instance_arn] = gpus
        ecs.register_task_definition(family="train", containerDefinitions=[{
            "name": "main", "image": "none", "essential": True, "memory": 64,
            "command": ["/bin/sh", "-c", "exec sleep 600"],
            "resourceRequirements": [{"type": "GPU", "value": "2"}]}])
        ecs.register_task_definition(family="diag", containerDefinitions=[{
            "name": "main", "image": "none", "essential": True, "memory": 16,
            "command": ["/bin/sh", "-c", "exit 0"]}])

        stopped_s, running_s = [], []
        for _ in range(args.rounds):
            answer = ecs.run_task(cluster=CLUSTER, taskDefinition="train", count=2,
                                  tags=[{"key": "gantry:recovery", "value": "job"}],
                                  placementConstraints=[{"type": "distinctInstance"}])
            assert not answer["failures"], answer["failures"]
            first = [t["taskArn"] for t in answer["tasks"]]
            wait("the job's tasks to run", lambda: all(
                t["lastStatus"] == "RUNNING"
                for t in ecs.describe_tasks(cluster=CLUSTER, tasks=first)["tasks"]))
            job_arn = [a for a in server.gantry_call("ListJobs", {
                "cluster": CLUSTER, "status": "RUNNING"})["jobArns"]][0]
            task = answer["tasks"][0]
            gpus = nodes[task["containerInstanceArn"]]
            bad = task["containers"][0]["gpuIds"][0]

            faulted = time.time()
            gpus.fault(gpus.index_of(bad), xid=79)

            def attempt_two():
                job = server.gantry_call("DescribeJobs", {"cluster": CLUSTER,
                                                          "jobs": [job_arn]})["jobs"][0]
                if job["attempt"] != 2 or job["status"] != "RUNNING":
                    return None
                tasks = ecs.describe_tasks(cluster=CLUSTER,
                                           tasks=[t["taskArn"] for t in job["tasks"]])["tasks"]
                return tasks if all(t["lastStatus"] == "RUNNING" for t in tasks) else None
            restarted = wait("attempt 2 to run", attempt_two)
            old = ecs.describe_tasks(cluster=CLUSTER, tasks=first)["tasks"]
            stopped_s.append(max(timestamp(t["stoppedAt"]) for t in old) - faulted)
            running_s.append(max(timestamp(t["startedAt"]) for t in restarted) - faulted)

            for t in restarted:
                ecs.stop_task(cluster=CLUSTER, task=t["taskArn"])
            server.gantry_call("ReturnGpusToService", {
                "cluster": CLUSTER, "containerInstance": task["containerInstanceArn"]})
            wait("the GPU back in service", lambda: all(
                g["healthStatus"] == "HEALTHY" and "taskArn" not in g
                for g in server.gantry_call("DescribeGpus", {"cluster": CLUSTER})["gpus"]))

        for name, values, target in (("fault -> siblings STOPPED", stopped_s, 1.0),
                                     ("fault -> job RUNNING again", running_s, 2.0)):
            print("%-28s p50 %6.0f ms  p99 %6.0f ms  max %6.0f ms  (target < %.0f s, %d rounds)"
                  % (name, 1000 * statistics.median(values), 1000 * percentile(values, 99),
                     1000 * max(values), target, len(values)))
    finally:
        for agent in agents:
            agent.cleanup()
        server.cleanup()


if __name__ == "__main__":
    main()
