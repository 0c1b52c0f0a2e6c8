"""A GPU job's diagnostic run as a task, ECS's way, end to end: the server
runs with --gpu-diagnostic-task-definition, so a job whose task failed has
the task's GPUs checked by a task of that definition on the same instance,
given exactly those GPUs (NVIDIA_VISIBLE_DEVICES). The test's "DCGM" fails
a GPU for which a `bad-<uuid>` file exists. gpu_jobs.py says how the
cluster is made.
"""
import os
import unittest

from cluster_processes import describe_task, shell, wait_for
from gpu_jobs import CLUSTER, GpuJobTestCase

DIAGNOSTIC = "gpu-diag"


class GpuDiagnosticTaskTest(GpuJobTestCase):
    more_server_args = ["--gpu-diagnostic-task-definition", DIAGNOSTIC]

    @classmethod
    def start_agents(cls):
        super().start_agents()
        script = ('for g in $(echo "$NVIDIA_VISIBLE_DEVICES" | tr , " "); do '
                  'if [ -e %s/bad-$g ]; then echo "GPU $g failed the memory test"; exit 1; fi; '
                  'done; echo "passed: $NVIDIA_VISIBLE_DEVICES"' % cls.tmp)
        cls.ecs.register_task_definition(family=DIAGNOSTIC, containerDefinitions=[shell(script)])

    def tearDown(self):
        for name in os.listdir(self.tmp):
            if name.startswith("bad-"):
                os.remove(os.path.join(self.tmp, name))
        super().tearDown()

    def diagnostic_tasks(self, job_id):
        arns = self.ecs.list_tasks(cluster=CLUSTER, startedBy="gantry/job/" + job_id,
                                   desiredStatus="STOPPED")["taskArns"]
        return [describe_task(self.ecs, arn, CLUSTER) for arn in arns]

    def test_a_failed_task_is_diagnosed_by_a_task_on_its_instance_with_its_gpus(self):
        job = self.start_job(script="sleep 0.5; exit 3", attempts=2, family="crash-diag")
        failed = self.wait_job(job["jobId"], "FAILED")
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "DIAGNOSING", "RESTARTING",
                                          "RUNNING", "STOPPING", "DIAGNOSING", "FAILED"])
        bodies = self.webhook.bodies_of(job["jobId"])
        for diagnosing, after in ((bodies[2]["job"], bodies[3]["job"]["previousAttempt"]),
                                  (bodies[6]["job"], bodies[7]["job"])):
            fault = diagnosing["fault"]
            check = after["diagnostic"]
            self.assertEqual(check["status"], "HEALTHY")
            self.assertIn("exit code 0", check["output"])
            task = describe_task(self.ecs, check["taskArn"], CLUSTER)
            # On the failed task's instance, with exactly its GPUs.
            self.assertEqual(task["containerInstanceArn"], fault["containerInstanceArn"])
            self.assertEqual(sorted(task["containers"][0]["gpuIds"]), sorted(fault["gpuIds"]))
            self.assertEqual(task["containers"][0]["exitCode"], 0)
            self.assertEqual(task["group"], "gantry:gpu-diagnostic")
        self.assertEqual(len(self.diagnostic_tasks(job["jobId"])), 2)
        self.assertIn("an application failure", failed["statusReason"])
        # A healthy verdict leaves every GPU in service.
        self.assertTrue(all(g["healthStatus"] == "HEALTHY" for g in self.gpus()))

    def test_a_gpu_the_diagnostic_fails_is_held_out_of_service(self):
        # Every GPU fails the "DCGM"; there is no recovery (no recover-ok).
        for node, (_, gpus) in self.nodes.items():
            for gpu in gpus.gpus:
                open(os.path.join(self.tmp, "bad-" + gpu["uuid"]), "w").close()
        job = self.start_job(script="sleep 0.5; exit 3", attempts=1, family="crash-bad")
        failed = self.wait_job(job["jobId"], "FAILED")
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "DIAGNOSING", "RECOVERING",
                                          "DIAGNOSING", "FAILED"])
        self.assertIn("stays out of service until an operator returns it",
                      failed["statusReason"])
        diagnostic = failed["diagnostic"]
        self.assertEqual(diagnostic["status"], "UNHEALTHY")
        self.assertIn("exit code 1", diagnostic["output"])
        node = self.node_of(diagnostic["containerInstanceArn"])
        held = set(diagnostic["gpuIds"])

        def out_of_service():
            states = {g["gpuId"]: g for g in self.gpus()
                      if g["containerInstanceArn"] == diagnostic["containerInstanceArn"]}
            return all(states[uuid]["healthStatus"] == "UNHEALTHY" and
                       states[uuid]["reason"] == "DIAGNOSTIC_FAILED" for uuid in held) or None
        wait_for(out_of_service, 10, "the GPUs the diagnostic failed held out of service")
        detail = self.accelerated_compute(node)
        self.assertEqual((detail["status"], detail["statusReason"]),
                         ("IMPAIRED", "DIAGNOSTIC_FAILED"))
        self.assertEqual(len(self.diagnostic_tasks(job["jobId"])), 2)


if __name__ == "__main__":
    unittest.main()
