#!/usr/bin/env python3
"""Bytes of control-plane memory per task and per container instance.

Starts a fresh `gantry server` (no agent: the tasks stay PROVISIONING, which
is all the control plane keeps for them until an agent reports), registers
INSTANCES container instances through RegisterContainerInstance, then
launches TASKS tasks with RunTask (count 10), and reads the server's RSS
from /proc before and after each phase.

    GANTRY_BIN=build/release/gantry python3 bench/state_memory.py [INSTANCES] [TASKS]
"""
import concurrent.futures
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from gantry_process import GantryProcess  # noqa: E402

CLUSTER = "memory"
WORKERS = 8


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def register_instances(ecs, count):
    resources = [{"name": "CPU", "type": "INTEGER", "integerValue": 1 << 20},
                 {"name": "MEMORY", "type": "INTEGER", "integerValue": 1 << 24}]

    def register(_):
        ecs.register_container_instance(cluster=CLUSTER, totalResources=resources)

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(register, range(count)))


def run_tasks(ecs, count):
    def run(_):
        response = ecs.run_task(cluster=CLUSTER, taskDefinition="memory", count=10,
                                placementStrategy=[{"type": "random"}])
        if response["failures"]:
            raise RuntimeError(response["failures"])

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(run, range(count // 10)))


def main():
    instances = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")
    gantry = GantryProcess(command="server")
    gantry.start()
    try:
        ecs = gantry.client()
        ecs.create_cluster(clusterName=CLUSTER)
        ecs.register_task_definition(
            family="memory",
            containerDefinitions=[{"name": "app", "image": "none", "cpu": 1, "memory": 6,
                                   "command": ["sleep", "1"]}])
        pid = gantry.pid()
        base = rss_bytes(pid)
        register_instances(ecs, instances)
        after_instances = rss_bytes(pid)
        run_tasks(ecs, tasks)
        after_tasks = rss_bytes(pid)
    finally:
        gantry.cleanup()
    print("server RSS at start          %8.1f MiB" % (base / 2**20))
    print("per container instance       %8.0f bytes  (%d instances)" %
          ((after_instances - base) / instances, instances))
    print("per task                     %8.0f bytes  (%d tasks)" %
          ((after_tasks - after_instances) / tasks, tasks))


if __name__ == "__main__":
    main()
