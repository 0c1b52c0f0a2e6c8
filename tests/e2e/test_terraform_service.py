"""Terraform's aws_ecs_service end to end against `gantry dev`: the AWS
provider (5.100, from the filesystem mirror in /opt/tf-plugins) creates a
cluster, a FARGATE task definition and a service with the deployment
circuit breaker and wait_for_steady_state; a plan right after reads no
change; a new desired_count and a new task definition revision are applied
(the latter a rolling deployment the provider follows through
ListServiceDeployments and DescribeServiceDeployments); destroy drains the
service and deletes the cluster. Every terraform command is bounded."""
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

from cluster_processes import DevTestCase
from gantry_process import REGION

TERRAFORM = os.environ.get("TERRAFORM", "/usr/local/bin/terraform")
PLUGIN_MIRROR = "/opt/tf-plugins"
COMMAND_TIMEOUT_S = 150
# The local image; the process driver runs its command as a process.
IMAGE = "gantry-test/busybox:latest"


def terraform_available():
    return os.access(TERRAFORM, os.X_OK) and os.path.isdir(PLUGIN_MIRROR)


@unittest.skipUnless(terraform_available(), "terraform or the provider mirror is missing")
class TerraformServiceTest(DevTestCase):

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="gantry-tf-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)
        self.cli_config = os.path.join(self.workdir, "terraform.rc")
        with open(self.cli_config, "w", encoding="utf-8") as out:
            out.write('provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n'
                      % PLUGIN_MIRROR)
        self.cluster = self.unique("tf")
        self.family = self.unique("tf-app")
        self.service = "app"

    # -- terraform -------------------------------------------------------------

    def env(self):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AWS_", "TF_"))}
        env.update({
            "TF_CLI_CONFIG_FILE": self.cli_config,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        })
        if os.environ.get("TF_LOG"):  # for debugging only
            env["TF_LOG"] = os.environ["TF_LOG"]
            env["TF_LOG_PATH"] = os.path.join(tempfile.gettempdir(), "gantry-tf.log")
        return env

    def terraform(self, *args, ok_codes=(0,)):
        done = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=self.workdir, env=self.env(),
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
        self.assertIn(done.returncode, ok_codes,
                      "terraform %s exited %d:\n%s\n%s"
                      % (" ".join(args), done.returncode, done.stdout[-6000:],
                         done.stderr[-6000:]))
        return done

    def write_config(self, desired_count, marker):
        """main.tf: the cluster, a FARGATE definition whose container says
        `marker` and sleeps, and the service at `desired_count`."""
        container = [{"name": "main", "image": IMAGE, "essential": True,
                      "entryPoint": ["/bin/sh", "-c"],
                      "command": ["echo %s; exec sleep 600" % marker]}]
        config = textwrap.dedent("""\
            provider "aws" {
              region                      = "%(region)s"
              access_key                  = "%(access_key)s"
              secret_key                  = "%(secret_key)s"
              skip_credentials_validation = true
              skip_requesting_account_id  = true
              skip_metadata_api_check     = true
              skip_region_validation      = true
              endpoints {
                ecs = "%(endpoint)s"
              }
            }

            resource "aws_ecs_cluster" "main" {
              name = "%(cluster)s"
            }

            resource "aws_ecs_task_definition" "app" {
              family                   = "%(family)s"
              requires_compatibilities = ["FARGATE"]
              network_mode             = "awsvpc"
              cpu                      = "256"
              memory                   = "512"
              container_definitions    = jsonencode(%(containers)s)
            }

            resource "aws_ecs_service" "app" {
              name                  = "%(service)s"
              cluster               = aws_ecs_cluster.main.id
              task_definition       = aws_ecs_task_definition.app.arn
              desired_count         = %(desired)d
              launch_type           = "FARGATE"
              wait_for_steady_state = true

              network_configuration {
                subnets         = ["subnet-0a1b2c3d"]
                security_groups = ["sg-0a1b2c3d"]
              }

              deployment_circuit_breaker {
                enable   = true
                rollback = true
              }

              timeouts {
                create = "2m"
                update = "2m"
                delete = "2m"
              }
            }
            """) % {"region": REGION, "access_key": self.gantry.access_key,
                    "secret_key": self.gantry.secret_key, "endpoint": self.gantry.endpoint,
                    "cluster": self.cluster, "family": self.family, "service": self.service,
                    "containers": json.dumps(container), "desired": desired_count}
        with open(os.path.join(self.workdir, "main.tf"), "w", encoding="utf-8") as out:
            out.write(config)

    def apply(self):
        self.terraform("apply", "-auto-approve")
        # What the provider reads back must be what it sent: no change planned.
        plan = self.terraform("plan", "-detailed-exitcode", ok_codes=(0, 2))
        self.assertEqual(plan.returncode, 0, "the plan after apply has changes:\n" + plan.stdout)

    # -- ECS -------------------------------------------------------------------

    def describe(self):
        answer = self.ecs.describe_services(cluster=self.cluster, services=[self.service])
        self.assertEqual(answer["failures"], [], answer)
        return answer["services"][0]

    def running_tasks(self):
        arns = self.ecs.list_tasks(cluster=self.cluster, serviceName=self.service,
                                   desiredStatus="RUNNING")["taskArns"]
        if not arns:
            return []
        tasks = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"]
        return [t for t in tasks if t["lastStatus"] == "RUNNING"]

    def assert_steady(self, desired, revision):
        definition = "%s:%d" % (self.family, revision)
        service = self.describe()
        self.assertEqual(service["status"], "ACTIVE")
        self.assertEqual(service["desiredCount"], desired)
        self.assertEqual(service["runningCount"], desired)
        self.assertTrue(service["taskDefinition"].endswith(definition), service["taskDefinition"])
        self.assertEqual(len(service["deployments"]), 1, service["deployments"])
        self.assertEqual(service["deployments"][0]["rolloutState"], "COMPLETED")
        tasks = self.running_tasks()
        self.assertEqual(len(tasks), desired)
        for task in tasks:
            self.assertTrue(task["taskDefinitionArn"].endswith(definition))
            self.assertEqual(task["launchType"], "FARGATE")
        return service

    # -- the test ----------------------------------------------------------------

    def test_service_lifecycle(self):
        self.write_config(2, "one")
        self.terraform("init")
        self.apply()
        first = self.assert_steady(2, 1)
        self.assertEqual(first["launchType"], "FARGATE")
        self.assertEqual(first["deploymentConfiguration"]["deploymentCircuitBreaker"],
                         {"enable": True, "rollback": True})
        self.assertEqual(first["networkConfiguration"]["awsvpcConfiguration"]["subnets"],
                         ["subnet-0a1b2c3d"])

        # A new desired count scales the deployment in place.
        self.write_config(3, "one")
        self.apply()
        scaled = self.assert_steady(3, 1)
        self.assertEqual(scaled["deployments"][0]["id"], first["deployments"][0]["id"])

        # A new revision: a rolling deployment, followed to its end.
        self.write_config(3, "two")
        self.apply()
        rolled = self.assert_steady(3, 2)
        deployment = rolled["deployments"][0]
        self.assertNotEqual(deployment["id"], first["deployments"][0]["id"])
        arns = [d["serviceDeploymentArn"] for d in self.ecs.list_service_deployments(
            cluster=self.cluster, service=self.service)["serviceDeployments"]]
        described = self.ecs.describe_service_deployments(serviceDeploymentArns=arns[:1])
        self.assertEqual(described["serviceDeployments"][0]["status"], "SUCCESSFUL")

        self.terraform("destroy", "-auto-approve")
        # The provider waited for the service to drain to INACTIVE, then
        # deleted the cluster, which ECS no longer finds for its services.
        clusters = self.ecs.describe_clusters(clusters=[self.cluster])
        self.assertEqual([c["status"] for c in clusters["clusters"]], ["INACTIVE"])
        self.assertClientError("ClusterNotFoundException", self.ecs.describe_services,
                               cluster=self.cluster, services=[self.service])

if __name__ == "__main__":
    unittest.main()
