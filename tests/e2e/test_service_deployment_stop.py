"""StopServiceDeployment end to end on `gantry dev` with the process driver:
a rolling deployment whose tasks never turn healthy stays IN_PROGRESS; the
aws cli's `stop-service-deployment` rolls it back, the service returns to
its previous task definition, and the deployment reads ROLLBACK_SUCCESSFUL
with its rollback; a finished deployment cannot be stopped again."""
import unittest

from cluster_processes import DevTestCase, shell, wait_for

SERVICE_TIMEOUT_S = 60


class StopServiceDeploymentTest(DevTestCase):

    def describe(self, name):
        answer = self.ecs.describe_services(services=[name])
        self.assertEqual(answer["failures"], [], answer)
        return answer["services"][0]

    def deployment(self, arn):
        answer = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        self.assertEqual(answer["failures"], [], answer)
        return answer["serviceDeployments"][0]

    def running(self, name):
        arns = self.ecs.list_tasks(serviceName=name, desiredStatus="RUNNING")["taskArns"]
        tasks = self.ecs.describe_tasks(tasks=arns)["tasks"] if arns else []
        return [t for t in tasks if t["lastStatus"] == "RUNNING"]

    def test_a_rollback_returns_to_the_previous_definition(self):
        name = self.unique("stop")
        good = self.register(self.unique("good"), [shell("exec sleep 600")])["taskDefinitionArn"]
        # RUNNING, but never HEALTHY: its health check fails for longer than the test.
        never_healthy = self.register(self.unique("sick"), [shell("exec sleep 600", healthCheck={
            "command": ["CMD-SHELL", "exit 1"], "interval": 5, "timeout": 2, "retries": 10,
            "startPeriod": 300})])["taskDefinitionArn"]
        self.ecs.create_service(serviceName=name, taskDefinition=good, desiredCount=2)
        self.addCleanup(self.ecs.delete_service, service=name, force=True)

        def steady_on(definition):
            service = self.describe(name)
            deployments = service["deployments"]
            running = self.running(name)
            return (len(deployments) == 1 and deployments[0]["rolloutState"] == "COMPLETED"
                    and service["taskDefinition"] == definition and len(running) == 2
                    and all(t["taskDefinitionArn"] == definition for t in running))
        wait_for(lambda: steady_on(good), SERVICE_TIMEOUT_S, "the service steady on %s" % good)

        self.ecs.update_service(service=name, taskDefinition=never_healthy)
        service = self.describe(name)
        arn = service["currentServiceDeployment"]
        wait_for(lambda: any(t["taskDefinitionArn"] == never_healthy for t in self.running(name)),
                 SERVICE_TIMEOUT_S, "a task of the new definition to run")
        self.assertEqual(self.deployment(arn)["status"], "IN_PROGRESS")

        stopped = self.assertCliOk(self.gantry.aws(
            "stop-service-deployment", "--service-deployment-arn", arn, "--stop-type", "ROLLBACK"))
        self.assertEqual(stopped, {"serviceDeploymentArn": arn})

        wait_for(lambda: self.deployment(arn)["status"] == "ROLLBACK_SUCCESSFUL",
                 SERVICE_TIMEOUT_S, "the deployment to read ROLLBACK_SUCCESSFUL")
        wait_for(lambda: steady_on(good), SERVICE_TIMEOUT_S, "the service back on %s" % good)
        deployment = self.deployment(arn)
        self.assertEqual(deployment["targetServiceRevision"]["arn"].rsplit("/", 1)[1],
                         arn.rsplit("/", 1)[1])
        rollback = deployment["rollback"]
        self.assertIn("StopServiceDeployment", rollback["reason"])
        self.assertIn("startedAt", rollback)
        service = self.describe(name)
        self.assertEqual(rollback["serviceRevisionArn"].rsplit("/", 1)[1],
                         service["deployments"][0]["id"].rsplit("/", 1)[1])
        self.assertIn("finishedAt", deployment)
        messages = [e["message"] for e in service["events"]]
        self.assertIn("(service %s) rolling back to deployment %s."
                      % (name, service["deployments"][0]["id"]), messages)
        listed = self.ecs.list_service_deployments(service=name, status=["ROLLBACK_SUCCESSFUL"])
        self.assertEqual([d["serviceDeploymentArn"] for d in listed["serviceDeployments"]], [arn])

        # Finished: a second stop is a conflict.
        self.assertClientError("ConflictException", self.ecs.stop_service_deployment,
                               serviceDeploymentArn=arn, stopType="ROLLBACK")
        self.assertCliFailed(self.gantry.aws(
            "stop-service-deployment", "--service-deployment-arn", arn + "0"),
            "ServiceDeploymentNotFoundException")


if __name__ == "__main__":
    unittest.main()
