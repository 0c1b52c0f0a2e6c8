#!/usr/bin/env python3
"""A rolling update of one large service: a `gantry server`, one `gantry
agent --simulate N` (hollow instances over the real agent protocol) and a
REPLICA service of T tasks at minimumHealthyPercent 100, maximumPercent 200.
Once it is steady, UpdateService names a new task definition revision; the
bench reports the wall time until the new PRIMARY deployment's rolloutState
is COMPLETED (and the old one is gone), how many tasks ran at the peak
(never above 2 x T, by the cluster's running and pending counts sampled
meanwhile) and the server's CPU.

    GANTRY_BIN=build/release/gantry python3 bench/service_rollout.py --tasks 1000 --instances 100
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
from cluster_processes import GantryAgent, GantryServer  # noqa: E402
from scale_run import cpu_s, wait  # noqa: E402

CLUSTER = "rollout"
FAMILY = "rollout"
SERVICE = "big"


def primary(ecs):
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    return service, [d for d in service["deployments"] if d["status"] == "PRIMARY"][0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("GANTRY_BIN", "build/release/gantry")

    server = GantryServer(agent_idle_timeout_s=60).start()
    fleet = None
    try:
        ecs = server.client()
        ecs.create_cluster(clusterName=CLUSTER)
        # Room for both deployments at once: maximumPercent 200.
        per_instance = -(-2 * args.tasks // args.instances)
        fleet = GantryAgent(server, CLUSTER, cpu=max(1024, 20 * per_instance),
                            memory=max(1024, 16 * per_instance),
                            extra_args=["--simulate", str(args.instances)])
        fleet.start(wait_connected=False)
        wait("the instances to register", lambda: ecs.describe_clusters(clusters=[CLUSTER])
             ["clusters"][0]["registeredContainerInstancesCount"] >= args.instances)
        for _ in range(2):
            ecs.register_task_definition(family=FAMILY, containerDefinitions=[
                {"name": "app", "image": "none", "cpu": 10, "memory": 8}])
        ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=FAMILY + ":1",
                           desiredCount=args.tasks,
                           deploymentConfiguration={"minimumHealthyPercent": 100,
                                                    "maximumPercent": 200})

        def steady():
            service, deployment = primary(ecs)
            return (deployment["rolloutState"] == "COMPLETED" and len(service["deployments"]) == 1
                    and service["runningCount"] == args.tasks)

        start = time.monotonic()
        wait("the service to be steady", steady, interval=0.1)
        created_s = time.monotonic() - start

        server_cpu = cpu_s(server.pid())
        peak = 0
        start = time.monotonic()
        ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=FAMILY + ":2")

        def rolled_out():
            nonlocal peak
            cluster = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]
            peak = max(peak, cluster["runningTasksCount"] + cluster["pendingTasksCount"])
            service, deployment = primary(ecs)
            return (deployment["taskDefinition"].endswith(":2")
                    and deployment["rolloutState"] == "COMPLETED"
                    and len(service["deployments"]) == 1
                    and deployment["runningCount"] == args.tasks)

        wait("the rolling update to complete", rolled_out, interval=0.05)
        rollout_s = time.monotonic() - start
        rollout_cpu = cpu_s(server.pid()) - server_cpu
    finally:
        if fleet:
            fleet.cleanup()
        server.cleanup()

    print("service of %d tasks on %d hollow instances: steady %.1f s after CreateService"
          % (args.tasks, args.instances, created_s))
    print("rolling update at 100/200: COMPLETED %.2f s after UpdateService; peak %d tasks "
          "running or pending (bound %d); server CPU %.2f s"
          % (rollout_s, peak, 2 * args.tasks, rollout_cpu))


if __name__ == "__main__":
    main()
