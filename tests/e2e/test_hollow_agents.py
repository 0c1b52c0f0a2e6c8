"""Hollow agents end to end: `gantry agent --simulate N` registers N
simulated container instances with a real `gantry server`, holds N agent
channels, and reports the tasks placed on them through the real protocol:
RUNNING at once, STOPPED after --simulate-task-seconds or when stopped."""
import collections
import os
import threading
import unittest

from cluster_processes import GantryAgent, GantryServer, container_of, wait_for, wait_for_tasks

INSTANCES = 12


class HollowAgentsTest(unittest.TestCase):
    server = None
    fleets = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fleets = []
        try:
            cls.server = GantryServer().start()
            cls.ecs = cls.server.client()
            # Two fleets: tasks that end by themselves after a second, and
            # tasks that run until stopped.
            for cluster, seconds in (("hollow-short", "1"), ("hollow-long", "0"),
                                     ("hollow-burst", "0")):
                cls.ecs.create_cluster(clusterName=cluster)
                fleet = GantryAgent(cls.server, cluster, cpu=1024, extra_args=[
                    "--simulate", str(INSTANCES), "--simulate-task-seconds", seconds])
                cls.fleets.append(fleet)
                fleet.start(wait_connected=False)
            for cluster in ("hollow-short", "hollow-long", "hollow-burst"):
                wait_for(lambda c=cluster: cls.connected_instances(c) == INSTANCES, 20,
                         "%d connected hollow instances in %s" % (INSTANCES, cluster))
            cls.ecs.register_task_definition(
                family="hollow", containerDefinitions=[
                    {"name": "app", "image": "none", "memory": 16, "cpu": 512},
                    {"name": "sidecar", "image": "none", "memory": 16, "essential": False}])
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for fleet in cls.fleets:
            fleet.cleanup()
        if cls.server:
            cls.server.cleanup()
        super().tearDownClass()

    @classmethod
    def connected_instances(cls, cluster):
        arns = cls.ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
        if not arns:
            return 0
        described = cls.ecs.describe_container_instances(cluster=cluster,
                                                         containerInstances=arns)
        return sum(1 for i in described["containerInstances"] if i["agentConnected"])

    def run_tasks(self, cluster, count):
        arns = []
        while len(arns) < count:
            answer = self.ecs.run_task(cluster=cluster, taskDefinition="hollow",
                                       count=min(10, count - len(arns)))
            self.assertEqual(answer["failures"], [], answer)
            arns += [t["taskArn"] for t in answer["tasks"]]
        return arns

    def test_tasks_run_on_the_simulated_instances_and_end_by_themselves(self):
        instances = set(self.ecs.list_container_instances(
            cluster="hollow-short")["containerInstanceArns"])
        arns = self.run_tasks("hollow-short", 2 * INSTANCES)
        tasks = wait_for_tasks(self.ecs, arns, "STOPPED", cluster="hollow-short", timeout=20)
        for task in tasks:
            self.assertIn(task["containerInstanceArn"], instances)
            self.assertIn("startedAt", task, task)
            self.assertEqual(task["stopCode"], "EssentialContainerExited", task)
            self.assertEqual(container_of(task, "app")["exitCode"], 0, task)
        # 512 CPU units of 1024 each: two tasks fill an instance, so the
        # binpacked tasks covered every instance.
        self.assertEqual({t["containerInstanceArn"] for t in tasks}, instances)

    def test_a_stopped_task_is_reported_stopped_and_frees_its_instance(self):
        arns = self.run_tasks("hollow-long", 2 * INSTANCES)
        wait_for_tasks(self.ecs, arns, "RUNNING", cluster="hollow-long", timeout=20)
        full = self.ecs.run_task(cluster="hollow-long", taskDefinition="hollow")
        self.assertEqual([f["reason"] for f in full["failures"]], ["RESOURCE:CPU"] * INSTANCES,
                         full)

        self.ecs.stop_task(cluster="hollow-long", task=arns[0])
        task = wait_for_tasks(self.ecs, arns[:1], "STOPPED", cluster="hollow-long")[0]
        self.assertEqual(task["stopCode"], "UserInitiated", task)
        self.assertEqual(container_of(task, "app")["exitCode"], 143, task)
        wait_for(lambda: not self.ecs.run_task(cluster="hollow-long",
                                               taskDefinition="hollow")["failures"],
                 10, "the stopped task's CPU to be free again")
        for arn in arns[1:]:
            self.ecs.stop_task(cluster="hollow-long", task=arn)

    def test_a_burst_of_concurrent_run_tasks_never_overcommits_an_instance(self):
        # 8 clients at once ask for 120 tasks; the 12 instances have room for
        # 24 (two 512-unit tasks each). Exactly 24 are placed, two per
        # instance, and every other request is refused for CPU.
        placed, reasons, errors = [], [], []
        lock = threading.Lock()

        def client():
            ecs = self.server.client()
            try:
                for _ in range(3):
                    answer = ecs.run_task(cluster="hollow-burst", taskDefinition="hollow", count=5)
                    with lock:
                        placed.extend(answer["tasks"])
                        reasons.extend(f["reason"] for f in answer["failures"])
            except Exception as error:  # surfaced below, not lost in the thread
                errors.append(error)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(placed), 2 * INSTANCES)
        self.assertTrue(reasons)
        self.assertEqual(set(reasons), {"RESOURCE:CPU"})
        per_instance = collections.Counter(t["containerInstanceArn"] for t in placed)
        self.assertEqual(sorted(per_instance.values()), [2] * INSTANCES, per_instance)
        arns = self.ecs.list_container_instances(cluster="hollow-burst")["containerInstanceArns"]
        for instance in self.ecs.describe_container_instances(
                cluster="hollow-burst", containerInstances=arns)["containerInstances"]:
            cpu = [r for r in instance["remainingResources"] if r["name"] == "CPU"][0]
            self.assertEqual(cpu["integerValue"], 0, instance)
        for task in placed:
            self.ecs.stop_task(cluster="hollow-burst", task=task["taskArn"])


if __name__ == "__main__":
    unittest.main()
