"""GPUs found through NVML and watched for faults, end to end.

A `gantry server` and three `gantry agent`s on the process driver, each
loading the fake NVML (tests/fake_nvml, built beside gantry) with
--nvml-library, through the same dlopen path as libnvidia-ml.so.1. Each
agent's GPUs come from its own JSON file; a test injects a fault by
rewriting that file (an XID to deliver, a GPU lost) and watches what ECS
shows: DescribeContainerInstances' ACCELERATED_COMPUTE health check, the
"ECS Container Instance Health Change" events, the GPUs
remainingResources lists, and where placement puts GPU tasks.
"""
import json
import subprocess
import tempfile
import unittest

from cluster_processes import (ServerWithAgentsTestCase, container_of, instance_of, resource,
                               shell, wait_for, wait_for_task)
from fake_gpus import DRIVER, MODEL, FakeGpus, fake_nvml_library
from gantry_process import gantry_binary

CLUSTER = "gpu"
FAULT_TIMEOUT_S = 10  # a poll is every 2 s; an XID is reported at once


class GpuHealthTest(ServerWithAgentsTestCase):
    """Three agents of two fake GPUs each, named node=0, 1 and 2."""

    nodes = {}

    @classmethod
    def start_agents(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gantry-e2e-gpu-")
        cls.ecs.create_cluster(clusterName=CLUSTER)
        cls.nodes = {}
        for node in range(3):
            gpus = FakeGpus(cls.tmp, node)
            agent = cls.add_agent(CLUSTER, attributes={"node": str(node)},
                                  extra_args=["--nvml-library", fake_nvml_library()],
                                  env={"GANTRY_FAKE_NVML": gpus.path})
            cls.nodes[node] = (agent, gpus)

    def describe(self, node):
        agent = self.nodes[node][0]
        answer = self.ecs.describe_container_instances(
            cluster=CLUSTER, containerInstances=[agent.instance_arn],
            include=["CONTAINER_INSTANCE_HEALTH"])
        self.assertEqual(answer["failures"], [])
        return answer["containerInstances"][0]

    def accelerated_compute(self, node):
        health = self.describe(node)["healthStatus"]
        details = {d["type"]: d for d in health["details"]}
        return health["overallStatus"], details.get("ACCELERATED_COMPUTE")

    def wait_impaired(self, node):
        def impaired():
            overall, detail = self.accelerated_compute(node)
            return (overall, detail) if detail and detail["status"] == "IMPAIRED" else None
        return wait_for(impaired, FAULT_TIMEOUT_S, "node %d to be IMPAIRED" % node)

    def run_gpu_task(self, node, gpus, script="echo $NVIDIA_VISIBLE_DEVICES; exec sleep 60"):
        family = "gpu-%d-%d" % (node, gpus)
        self.ecs.register_task_definition(family=family, containerDefinitions=[
            shell(script, resourceRequirements=[{"type": "GPU", "value": str(gpus)}])])
        return self.ecs.run_task(
            cluster=CLUSTER, taskDefinition=family,
            placementConstraints=[{"type": "memberOf",
                                   "expression": "attribute:node == %d" % node}])

    def stop_all(self, task_arns):
        for arn in task_arns:
            self.ecs.stop_task(cluster=CLUSTER, task=arn)
        for arn in task_arns:
            wait_for_task(self.ecs, arn, "STOPPED", cluster=CLUSTER)

    def test_agents_register_the_gpus_nvml_lists(self):
        for node, (agent, gpus) in self.nodes.items():
            instance = self.describe(node)
            self.assertEqual(sorted(resource(instance, "registeredResources", "GPU")),
                             sorted(gpus.uuids))
            attributes = {a["name"]: a.get("value") for a in instance["attributes"]}
            self.assertIn("ecs.capability.nvidia-driver-version." + DRIVER, attributes)
            self.assertEqual(attributes["gantry.gpu.model"], MODEL)
            self.assertEqual(attributes["gantry.gpu.driver-version"], DRIVER)
        # A healthy node shows an OK accelerated compute check.
        overall, detail = wait_for(
            lambda: (lambda r: r if r[1] else None)(self.accelerated_compute(1)),
            FAULT_TIMEOUT_S, "node 1's ACCELERATED_COMPUTE check")
        self.assertEqual((overall, detail["status"]), ("OK", "OK"))

    def test_the_gpu_model_attribute_places_with_member_of(self):
        self.ecs.register_task_definition(family="by-model", containerDefinitions=[
            shell("exit 0", resourceRequirements=[{"type": "GPU", "value": "1"}])])
        answer = self.ecs.run_task(
            cluster=CLUSTER, taskDefinition="by-model",
            placementConstraints=[{"type": "memberOf",
                                   "expression": 'attribute:gantry.gpu.model == "%s"' % MODEL}])
        self.assertEqual(answer["failures"], [])
        task = wait_for_task(self.ecs, answer["tasks"][0]["taskArn"], "STOPPED", cluster=CLUSTER)
        self.assertEqual(container_of(task, "main")["exitCode"], 0)

    def test_a_hardware_xid_impairs_the_instance_and_its_gpu_leaves_placement(self):
        agent, gpus = self.nodes[0]
        gpus.fault(1, xid=79)
        overall, detail = self.wait_impaired(0)
        self.assertEqual(overall, "IMPAIRED")
        self.assertEqual(detail["statusReason"], "XID_79")
        self.assertIn("lastStatusChange", detail)
        # ECS's event for it, through `gantry events`.
        pattern = {"detail-type": ["ECS Container Instance Health Change"],
                   "detail": {"containerInstanceArn": [agent.instance_arn],
                              "overallStatus": ["IMPAIRED"]}}
        out = subprocess.run([gantry_binary(), "events", "--pattern", json.dumps(pattern),
                              "--endpoint", self.server.endpoint],
                             env=self.server.cli_env(), capture_output=True, text=True,
                             timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        events = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertTrue(events, "no health change event")
        checks = {c["type"]: c for c in events[-1]["detail"]["healthChecks"]}
        self.assertEqual((checks["ACCELERATED_COMPUTE"]["status"],
                          checks["ACCELERATED_COMPUTE"]["statusReason"]), ("IMPAIRED", "XID_79"))
        instance = self.describe(0)
        self.assertEqual(resource(instance, "remainingResources", "GPU"), [gpus.uuids[0]])
        self.assertEqual(sorted(resource(instance, "registeredResources", "GPU")),
                         sorted(gpus.uuids))

        # Two GPUs do not fit on it any more; one does, and it is the healthy one.
        answer = self.run_gpu_task(0, 2)
        self.assertEqual(answer["tasks"], [])
        reasons = {f["arn"]: f["reason"] for f in answer["failures"]}
        self.assertEqual(reasons[agent.instance_arn], "RESOURCE:GPU")  # the others: ATTRIBUTE
        answer = self.run_gpu_task(0, 1)
        self.assertEqual(answer["failures"], [])
        arn = answer["tasks"][0]["taskArn"]
        task = wait_for_task(self.ecs, arn, "RUNNING", cluster=CLUSTER)
        self.assertEqual(container_of(task, "main")["gpuIds"], [gpus.uuids[0]])
        self.stop_all([arn])

        # The fault outlives a reconnect: the agent says it again.
        agent.stop()
        agent.start()
        self.assertEqual(self.wait_impaired(0)[1]["statusReason"], "XID_79")

    def test_an_application_xid_leaves_the_instance_ok(self):
        gpus = self.nodes[1][1]
        before = wait_for(lambda: self.accelerated_compute(1)[1], FAULT_TIMEOUT_S,
                          "node 1's ACCELERATED_COMPUTE check")
        gpus.fault(0, xid=13)
        # Reported (its lastUpdated moves) and still OK.
        wait_for(lambda: self.accelerated_compute(1)[1]["lastUpdated"] != before["lastUpdated"]
                 or None, FAULT_TIMEOUT_S, "node 1 to report XID 13")
        overall, detail = self.accelerated_compute(1)
        self.assertEqual((overall, detail["status"]), ("OK", "OK"))
        self.assertEqual(sorted(resource(self.describe(1), "remainingResources", "GPU")),
                         sorted(gpus.uuids))

    def test_a_lost_gpu_impairs_the_instance(self):
        gpus = self.nodes[2][1]
        gpus.fault(0, lost=True)
        overall, detail = self.wait_impaired(2)
        self.assertEqual(detail["statusReason"], "GPU_IS_LOST")
        self.assertEqual(resource(self.describe(2), "remainingResources", "GPU"), [gpus.uuids[1]])


if __name__ == "__main__":
    unittest.main()
