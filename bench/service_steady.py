#!/usr/bin/env python3
"""The service scheduler at scale: a `gantry server`, one `gantry agent
--simulate N` (hollow instances over the real agent protocol) and S REPLICA
services of T tasks each, created through CreateService on 8 threads.

Reports (1) the time from the first CreateService until every service is
steady (every task RUNNING, by the cluster's runningTasksCount, then a sweep
of DescribeServices: runningCount == desiredCount and the PRIMARY
deployment COMPLETED), with the server's CPU over it per service; (2) after
`kill -9` of the server and a restart on the same data, the time from the
restart until every agent is back and the sweep finds every service steady
with not one task started again, and the server's CPU for that (its
reconcile of every service).

    GANTRY_BIN=build/release/gantry python3 bench/service_steady.py \\
        --services 10000 --tasks 10 --instances 1000
"""
import argparse
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
from cluster_processes import GantryAgent, GantryServer  # noqa: E402
from scale_run import cpu_s, wait  # noqa: E402

CLUSTER = "services"
FAMILY = "svc"
THREADS = int(os.environ.get("BENCH_THREADS", "8"))


def create_services(server, count, tasks):
    errors = []

    def worker(offset):
        ecs = server.client()
        for i in range(offset, count, THREADS):
            try:
                ecs.create_service(cluster=CLUSTER, serviceName="svc-%05d" % i,
                                   taskDefinition=FAMILY, desiredCount=tasks)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("%d CreateService calls failed, e.g. %s" % (len(errors), errors[0]))


def unsteady_services(ecs, count):
    """The services not steady now, by DescribeServices 10 at a time."""
    names = ["svc-%05d" % i for i in range(count)]
    unsteady = []
    for i in range(0, count, 10):
        for s in ecs.describe_services(cluster=CLUSTER, services=names[i:i + 10])["services"]:
            primary = [d for d in s["deployments"] if d["status"] == "PRIMARY"]
            if (s["runningCount"] != s["desiredCount"] or len(s["deployments"]) != 1
                    or primary[0]["rolloutState"] != "COMPLETED"):
                unsteady.append(s["serviceName"])
    return unsteady


def connected_instances(ecs):
    pages = ecs.get_paginator("list_container_instances").paginate(
        cluster=CLUSTER, filter="agentConnected == true")
    return sum(len(page["containerInstanceArns"]) for page in pages)


def running_tasks(ecs):
    return ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]["runningTasksCount"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=10, help="desiredCount of each service")
    parser.add_argument("--instances", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")
    total = args.services * args.tasks

    server = GantryServer(agent_idle_timeout_s=60).start()
    fleet = None
    try:
        ecs = server.client()
        ecs.create_cluster(clusterName=CLUSTER)
        per_instance = -(-total // args.instances)
        fleet = GantryAgent(server, CLUSTER, cpu=max(1024, 20 * per_instance),
                            memory=max(1024, 16 * per_instance),
                            extra_args=["--simulate", str(args.instances)])
        fleet.start(wait_connected=False)
        wait("the instances to register", lambda: ecs.describe_clusters(clusters=[CLUSTER])
             ["clusters"][0]["registeredContainerInstancesCount"] >= args.instances)
        ecs.register_task_definition(family=FAMILY, containerDefinitions=[
            {"name": "app", "image": "none", "cpu": 10, "memory": 8}])

        server_cpu = cpu_s(server.pid())
        start = time.monotonic()
        create_services(server, args.services, args.tasks)
        created_s = time.monotonic() - start
        wait("every task to be RUNNING", lambda: running_tasks(ecs) >= total)
        running_s = time.monotonic() - start
        wait("every service to be steady", lambda: not unsteady_services(ecs, args.services),
             interval=1)
        steady_s = time.monotonic() - start
        create_cpu = cpu_s(server.pid()) - server_cpu

        restart = time.monotonic()
        server.kill9()
        restarted_cpu_base = cpu_s(server.pid())
        answered_s = time.monotonic() - restart
        wait("every agent to reconnect",
             lambda: connected_instances(ecs) >= args.instances, interval=1)
        wait("every service to be steady again",
             lambda: not unsteady_services(ecs, args.services), interval=1)
        again_s = time.monotonic() - restart
        restart_cpu = cpu_s(server.pid()) - restarted_cpu_base
        after = running_tasks(ecs)
    finally:
        if fleet:
            fleet.cleanup()
        server.cleanup()

    print("%d services of %d tasks on %d hollow instances: CreateService calls done in %.1f s, "
          "every task RUNNING after %.1f s, every service steady after %.1f s; server CPU "
          "%.1f s (%.2f ms a service)"
          % (args.services, args.tasks, args.instances, created_s, running_s, steady_s,
             create_cpu, 1e3 * create_cpu / args.services))
    print("kill -9 and restart: answering after %.1f s, every service steady after %.1f s, "
          "server CPU %.1f s (%.3f ms a service); running tasks %d (expected %d)"
          % (answered_s, again_s, restart_cpu, 1e3 * restart_cpu / args.services, after, total))


if __name__ == "__main__":
    main()
