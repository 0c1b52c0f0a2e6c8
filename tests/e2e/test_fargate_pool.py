"""The FARGATE pool end to end: FARGATE capacity serves every cluster of the
account, as on ECS, while EC2 capacity stays with the cluster its instances
joined.

A `gantry dev` runs a Fargate batch job in a cluster made for it, driven by
the aws cli as a user's script would. A `gantry server` with one FARGATE
host (`gantry agent --capacity FARGATE`, 6 GiB) and one EC2 instance in a
cluster of its own then shows: FARGATE tasks of three clusters sharing the
host until it is full (RESOURCE:MEMORY) and again when one stops; the host
in no cluster's ListContainerInstances, only in `gantry fargate hosts`; EC2
tasks only on their cluster's instance; a capacity provider strategy split
as ECS splits it; a cluster's default strategy; a Spot interruption the
task sees as SIGTERM."""
import json
import os
import subprocess
import time
import unittest

from cluster_processes import (ServerWithAgentsTestCase, container_of,
                               wait_for_connected_instance, wait_for_task)
from gantry_process import GantryTestCase, gantry_binary

NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"],
                                   "securityGroups": ["sg-0123456789abcdef0"],
                                   "assignPublicIp": "DISABLED"}}
HOST_MEMORY_MIB = 6144
HOST_CPU_UNITS = 4096


def fargate_definition(family, script, memory=512, cpu=256, stop_timeout=None):
    container = {"name": "job", "image": "busybox", "essential": True,
                 "entryPoint": ["/bin/sh", "-c"], "command": [script]}
    if stop_timeout is not None:
        container["stopTimeout"] = stop_timeout
    return {"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": str(cpu), "memory": str(memory), "containerDefinitions": [container]}


class FargateBatchJobTest(GantryTestCase):
    """The burst batch job of an ECS guide, against `gantry dev` in a cluster
    no agent joined."""

    def test_a_fargate_job_in_a_new_cluster_runs_to_its_exit_code(self):
        gantry = self.gantry
        wait_for_connected_instance(self.ecs)
        cluster = self.unique("cloudburst-cluster")
        self.assertCliOk(gantry.aws("create-cluster", "--cluster-name", cluster))
        family = self.unique("cloudburst-job")
        definition = fargate_definition(family, 'echo "batch $BATCH"; exit 7')
        self.assertCliOk(gantry.aws("register-task-definition", "--cli-input-json",
                                    json.dumps(definition)))
        overrides = {"containerOverrides": [{
            "name": "job", "command": ['echo "batch $BATCH"; exit $CODE'],
            "environment": [{"name": "BATCH", "value": "17"}, {"name": "CODE", "value": "3"}]}]}
        ran = self.assertCliOk(gantry.aws(
            "run-task", "--cluster", cluster, "--task-definition", family,
            "--launch-type", "FARGATE", "--network-configuration", json.dumps(NETWORK),
            "--overrides", json.dumps(overrides)))
        self.assertEqual(ran["failures"], [], ran)
        task = ran["tasks"][0]
        self.assertEqual(task["launchType"], "FARGATE")
        self.assertEqual(task["capacityProviderName"], "FARGATE")
        self.assertNotIn("containerInstanceArn", task)
        self.assertIn(f":cluster/{cluster}", task["clusterArn"])

        deadline = time.monotonic() + 30
        while True:  # the script's loop: DescribeTasks until STOPPED
            described = self.assertCliOk(gantry.aws("describe-tasks", "--cluster", cluster,
                                                    "--tasks", task["taskArn"]))["tasks"][0]
            if described["lastStatus"] == "STOPPED":
                break
            self.assertLess(time.monotonic(), deadline, described)
            time.sleep(0.1)
        self.assertEqual(container_of(described, "job")["exitCode"], 3)
        self.assertEqual(described["stopCode"], "EssentialContainerExited")
        self.assertEqual(described["platformFamily"], "Linux")
        self.assertTrue(described["platformVersion"])
        self.assertTrue(described["availabilityZone"])
        self.assertEqual([a["type"] for a in described["attachments"]], ["ElasticNetworkInterface"])
        self.assertNotIn("containerInstanceArn", described)
        # The cluster registered no instance; gantry dev's stays in "default".
        counts = self.ecs.describe_clusters(clusters=[cluster])["clusters"][0]
        self.assertEqual(counts["registeredContainerInstancesCount"], 0)
        self.assertEqual(self.ecs.list_container_instances(cluster=cluster)
                         ["containerInstanceArns"], [])


class DevClusterFlagTest(GantryTestCase):
    """`gantry dev --cluster NAME`: its agent's EC2 capacity joins NAME."""

    @classmethod
    def gantry_args(cls):
        return ["--cluster", "dev-own"]

    def test_the_local_agent_joins_the_named_cluster(self):
        arn = wait_for_connected_instance(self.ecs, cluster="dev-own")
        self.assertIn("/dev-own/", arn)
        self.assertEqual(self.ecs.list_clusters()["clusterArns"][0].rsplit("/", 1)[1], "dev-own")
        family = self.unique("ec2-job")
        self.ecs.register_task_definition(family=family, containerDefinitions=[{
            "name": "job", "image": "busybox", "memory": 32, "essential": True,
            "entryPoint": ["/bin/sh", "-c"], "command": ["exit 0"]}])
        ran = self.ecs.run_task(cluster="dev-own", taskDefinition=family, launchType="EC2")
        self.assertEqual(ran["failures"], [], ran)
        self.assertEqual(ran["tasks"][0]["containerInstanceArn"], arn)
        self.assertClientError("ClusterNotFoundException", self.ecs.run_task,
                               taskDefinition=family)  # no "default" cluster was made


class FargatePoolTest(ServerWithAgentsTestCase):
    """A `gantry server`, a FARGATE host that named cluster "pool-home" and an
    EC2 instance of cluster "ec2-home"."""

    @classmethod
    def start_agents(cls):
        cls.ecs.create_cluster(clusterName="ec2-home")
        cls.ecs.create_cluster(clusterName="pool-home")
        cls.fargate = cls.add_agent("pool-home", capacity="FARGATE", cpu=HOST_CPU_UNITS,
                                    memory=HOST_MEMORY_MIB)
        cls.ec2 = cls.add_agent("ec2-home")

    _counter = 0

    def unique(self, stem):
        FargatePoolTest._counter += 1
        return "%s-%d-%d" % (stem, os.getpid() % 10000, FargatePoolTest._counter)

    def cluster(self, stem, **kwargs):
        name = self.unique(stem)
        self.ecs.create_cluster(clusterName=name, **kwargs)
        return name

    def definition(self, script="sleep 600", **kwargs):
        body = fargate_definition(self.unique("pool"), script, **kwargs)
        self.ecs.register_task_definition(**body)
        return body["family"]

    def run_fargate(self, cluster, family, **kwargs):
        kwargs.setdefault("launchType", "FARGATE")
        answer = self.ecs.run_task(cluster=cluster, taskDefinition=family,
                                   networkConfiguration=NETWORK, **kwargs)
        for task in answer["tasks"]:
            self.addCleanup(self.stop_quietly, cluster, task["taskArn"])
        return answer

    def stop_quietly(self, cluster, arn):
        try:
            self.ecs.stop_task(cluster=cluster, task=arn)
            wait_for_task(self.ecs, arn, "STOPPED", cluster=cluster, timeout=20)
        except Exception:  # the test failed already; keep its own error
            pass

    def fargate_hosts(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.server.access_key,
                   AWS_SECRET_ACCESS_KEY=self.server.secret_key)
        out = subprocess.run([gantry_binary(), "fargate", "hosts", "--endpoint",
                              self.server.endpoint], env=env, capture_output=True, text=True,
                             timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_fargate_tasks_of_three_clusters_share_one_host_without_overcommitting_it(self):
        clusters = [self.cluster("tenant") for _ in range(3)]
        family = self.definition(memory=2048)
        tasks = []
        for cluster in clusters:  # 3 x 2 GiB fill the 6 GiB host
            answer = self.run_fargate(cluster, family)
            self.assertEqual(answer["failures"], [], answer)
            tasks.append((cluster, answer["tasks"][0]["taskArn"]))
        for cluster, arn in tasks:
            wait_for_task(self.ecs, arn, "RUNNING", cluster=cluster)

        full = self.run_fargate(clusters[0], family)
        self.assertEqual(full["tasks"], [])
        self.assertEqual(full["failures"], [{"reason": "RESOURCE:MEMORY"}], full)

        table = self.fargate_hosts()
        self.assertIn(self.fargate.instance_arn.rsplit("/", 1)[1], table)
        for cluster in clusters:
            self.assertIn(cluster + ":1", table)
            self.assertEqual(self.ecs.list_container_instances(cluster=cluster)
                             ["containerInstanceArns"], [])
            described = self.ecs.describe_clusters(clusters=[cluster])["clusters"][0]
            self.assertEqual(described["registeredContainerInstancesCount"], 0)
            self.assertEqual(described["runningTasksCount"], 1)

        self.ecs.stop_task(cluster=tasks[1][0], task=tasks[1][1])
        wait_for_task(self.ecs, tasks[1][1], "STOPPED", cluster=tasks[1][0])
        again = self.run_fargate(clusters[2], family)
        self.assertEqual(again["failures"], [], again)
        wait_for_task(self.ecs, again["tasks"][0]["taskArn"], "RUNNING", cluster=clusters[2])

    def test_the_fargate_host_is_no_container_instance_of_the_cluster_its_agent_named(self):
        self.assertIn("/fargate.pool/", self.fargate.instance_arn)
        self.assertEqual(self.ecs.list_container_instances(cluster="pool-home")
                         ["containerInstanceArns"], [])
        self.assertEqual(self.ecs.list_container_instances(cluster="ec2-home")
                         ["containerInstanceArns"], [self.ec2.instance_arn])

    def test_ec2_tasks_run_only_on_their_own_clusters_instances(self):
        family = self.unique("ec2")
        self.ecs.register_task_definition(family=family, containerDefinitions=[{
            "name": "job", "image": "busybox", "memory": 32, "essential": True,
            "entryPoint": ["/bin/sh", "-c"], "command": ["sleep 600"]}])
        elsewhere = self.cluster("no-instances")
        with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as refused:
            self.ecs.run_task(cluster=elsewhere, taskDefinition=family, launchType="EC2")
        self.assertIn("No Container Instances were found in your cluster.",
                      str(refused.exception))
        ran = self.ecs.run_task(cluster="ec2-home", taskDefinition=family, launchType="EC2")
        self.addCleanup(self.stop_quietly, "ec2-home", ran["tasks"][0]["taskArn"])
        self.assertEqual(ran["tasks"][0]["containerInstanceArn"], self.ec2.instance_arn)

    def test_a_strategy_splits_tasks_between_fargate_and_fargate_spot_as_ecs_does(self):
        cluster = self.cluster("split", capacityProviders=["FARGATE", "FARGATE_SPOT"])
        family = self.definition()
        answer = self.ecs.run_task(
            cluster=cluster, taskDefinition=family, networkConfiguration=NETWORK, count=10,
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                                      {"capacityProvider": "FARGATE_SPOT", "weight": 3}])
        for task in answer["tasks"]:
            self.addCleanup(self.stop_quietly, cluster, task["taskArn"])
        self.assertEqual(answer["failures"], [], answer)
        providers = [t["capacityProviderName"] for t in answer["tasks"]]
        self.assertEqual(providers.count("FARGATE"), 4, providers)
        self.assertEqual(providers.count("FARGATE_SPOT"), 6, providers)
        self.assertEqual({t["launchType"] for t in answer["tasks"]}, {"FARGATE"})

    def test_the_clusters_default_strategy_places_a_task_given_no_launch_type(self):
        cluster = self.cluster(
            "default-strategy", capacityProviders=["FARGATE", "FARGATE_SPOT"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
        family = self.definition()
        answer = self.ecs.run_task(cluster=cluster, taskDefinition=family,
                                   networkConfiguration=NETWORK)
        self.assertEqual(answer["failures"], [], answer)
        task = answer["tasks"][0]
        self.addCleanup(self.stop_quietly, cluster, task["taskArn"])
        self.assertEqual((task["launchType"], task["capacityProviderName"]),
                         ("FARGATE", "FARGATE_SPOT"))

    def test_a_spot_interruption_reaches_the_task_as_sigterm(self):
        cluster = self.cluster("spot", capacityProviders=["FARGATE_SPOT"])
        # The task traps SIGTERM and exits 42: the exit code proves it saw it.
        family = self.definition("trap 'exit 42' TERM; while true; do sleep 0.1; done",
                                 stop_timeout=120)
        answer = self.ecs.run_task(
            cluster=cluster, taskDefinition=family, networkConfiguration=NETWORK,
            capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
        self.assertEqual(answer["failures"], [], answer)
        arn = answer["tasks"][0]["taskArn"]
        self.addCleanup(self.stop_quietly, cluster, arn)
        wait_for_task(self.ecs, arn, "RUNNING", cluster=cluster)
        time.sleep(0.5)  # RUNNING comes as the shell starts: let it install its trap
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.server.access_key,
                   AWS_SECRET_ACCESS_KEY=self.server.secret_key)
        out = subprocess.run([gantry_binary(), "fargate", "interrupt", "--endpoint",
                              self.server.endpoint, "--cluster", cluster], env=env,
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        stopped = wait_for_task(self.ecs, arn, "STOPPED", cluster=cluster, timeout=20)
        self.assertEqual(stopped["stopCode"], "SpotInterruption")
        self.assertEqual(stopped["stoppedReason"], "Your Spot Task was interrupted.")
        self.assertEqual(container_of(stopped, "job")["exitCode"], 42)


if __name__ == "__main__":
    unittest.main()
