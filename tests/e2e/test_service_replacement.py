"""What the service scheduler replaces, end to end: a task whose container
health check turns UNHEALTHY (process driver, `gantry dev`), a container
killed under the Docker driver, and a DAEMON service over a `gantry server`
with agents that join and drain."""
import os
import shutil
import tempfile
import unittest

from cluster_processes import DevTestCase, ServerWithAgentsTestCase, shell, wait_for
from docker_support import DockerDevTestCase, busybox, containers_of_task, docker

SERVICE_TIMEOUT_S = 60


class ServiceHelpers:
    """Needs self.ecs and self.cluster_name (None: the default cluster)."""

    cluster_name = None

    def cluster_args(self):
        return {"cluster": self.cluster_name} if self.cluster_name else {}

    def create(self, name, definition, desired=None, **extra):
        if desired is not None:
            extra["desiredCount"] = desired
        service = self.ecs.create_service(serviceName=name, taskDefinition=definition,
                                          **self.cluster_args(), **extra)["service"]
        self.addCleanup(self.delete_quietly, name)
        return service

    def delete_quietly(self, name):
        try:
            self.ecs.delete_service(service=name, force=True, **self.cluster_args())
            wait_for(lambda: self.describe(name)["status"] == "INACTIVE", SERVICE_TIMEOUT_S,
                     "service %s to become INACTIVE" % name)
        except Exception:  # the test already failed; do not hide that
            pass

    def describe(self, name):
        answer = self.ecs.describe_services(services=[name], **self.cluster_args())
        self.assertEqual(answer["failures"], [], answer)
        return answer["services"][0]

    def live_tasks(self, name):
        arns = self.ecs.list_tasks(serviceName=name, desiredStatus="RUNNING",
                                   **self.cluster_args())["taskArns"]
        if not arns:
            return []
        return self.ecs.describe_tasks(tasks=arns, **self.cluster_args())["tasks"]

    def running(self, name, count):
        tasks = [t for t in self.live_tasks(name) if t["lastStatus"] == "RUNNING"]
        return tasks if len(tasks) == count else None

    def task(self, arn):
        return self.ecs.describe_tasks(tasks=[arn], **self.cluster_args())["tasks"][0]


class UnhealthyReplacementTest(ServiceHelpers, DevTestCase):

    def test_a_task_whose_health_check_fails_is_replaced(self):
        marks = tempfile.mkdtemp(prefix="gantry-e2e-health-")
        self.addCleanup(shutil.rmtree, marks, True)
        sick = os.path.join(marks, "sick")
        # Fails for the task whose id the test writes into `sick`: the
        # container's metadata URI names its task.
        check = ('id=$(cat %s 2>/dev/null) || exit 0; '
                 'case "$ECS_CONTAINER_METADATA_URI_V4" in *"$id"*) exit 1;; esac' % sick)
        family = self.unique("health")
        definition = self.register(family, [shell("exec sleep 600", healthCheck={
            "command": ["CMD-SHELL", check], "interval": 5, "timeout": 2, "retries": 1,
            "startPeriod": 0})])["taskDefinitionArn"]
        name = self.unique("health")
        self.create(name, definition, 2, healthCheckGracePeriodSeconds=0)
        healthy = wait_for(lambda: (lambda t: t if t and all(x["healthStatus"] == "HEALTHY"
                                                            for x in t) else None)(
            self.running(name, 2)), SERVICE_TIMEOUT_S, "two HEALTHY tasks")
        victim = healthy[0]["taskArn"]
        with open(sick, "w", encoding="utf-8") as f:
            f.write(victim.rsplit("/", 1)[1])

        def replaced():
            tasks = self.running(name, 2)
            return tasks and victim not in [t["taskArn"] for t in tasks] and all(
                t["healthStatus"] == "HEALTHY" for t in tasks)
        wait_for(replaced, SERVICE_TIMEOUT_S, "the unhealthy task to be replaced")
        stopped = wait_for(lambda: (lambda t: t if t["lastStatus"] == "STOPPED" else None)(
            self.task(victim)), SERVICE_TIMEOUT_S, "the unhealthy task to stop")
        self.assertEqual(stopped["healthStatus"], "UNHEALTHY")
        self.assertEqual(stopped["stoppedReason"], "Task failed container health checks")
        self.assertEqual(stopped["stopCode"], "ServiceSchedulerInitiated")
        messages = [e["message"] for e in self.describe(name)["events"]]
        self.assertTrue(any("(task %s) failed container health checks." % victim.rsplit("/", 1)[1]
                            in m for m in messages), messages)


class DockerServiceTest(ServiceHelpers, DockerDevTestCase):

    def test_a_killed_container_is_replaced(self):
        family = self.unique("docker-svc")
        definition = self.register(family, [busybox("exec sleep 600")])["taskDefinitionArn"]
        name = self.unique("docker-svc")
        self.create(name, definition, 2)
        tasks = wait_for(lambda: self.running(name, 2), SERVICE_TIMEOUT_S, "two RUNNING tasks")
        for task in tasks:
            self.track(task["taskArn"])
        victim = tasks[0]["taskArn"]
        containers = containers_of_task(victim, all_states=False)
        self.assertEqual(len(containers), 1, containers)
        docker("kill", containers[0])

        def replaced():
            now = self.running(name, 2)
            return now and victim not in [t["taskArn"] for t in now] and now
        for task in wait_for(replaced, SERVICE_TIMEOUT_S, "the killed container's task replaced"):
            self.track(task["taskArn"])
        stopped = self.task(victim)
        self.assertEqual(stopped["lastStatus"], "STOPPED")
        self.assertEqual(stopped["stopCode"], "EssentialContainerExited")
        self.assertEqual(stopped["containers"][0]["exitCode"], 137)


class DaemonServiceTest(ServiceHelpers, ServerWithAgentsTestCase):
    """A `gantry server` and agents of one cluster; a DAEMON service."""

    @classmethod
    def start_agents(cls):
        cls.cluster_name = "daemons-%d" % os.getpid()
        cls.ecs.create_cluster(clusterName=cls.cluster_name)
        for role in ("web", "db"):
            cls.add_agent(cls.cluster_name, attributes={"role": role})

    def test_one_task_per_instance_a_joining_one_gets_one_a_draining_one_loses_it(self):
        family = "daemon-%d" % os.getpid()
        definition = self.ecs.register_task_definition(
            family=family, containerDefinitions=[shell("exec sleep 600")]
        )["taskDefinition"]["taskDefinitionArn"]
        name = "daemon-%d" % os.getpid()
        self.create(name, definition, schedulingStrategy="DAEMON")

        def one_per_instance(count):
            tasks = self.running(name, count)
            instances = {t["containerInstanceArn"] for t in tasks} if tasks else set()
            return tasks if len(instances) == count else None
        wait_for(lambda: one_per_instance(2), SERVICE_TIMEOUT_S, "a task on each of 2 instances")

        joined = self.add_agent(self.cluster_name, attributes={"role": "web"})
        tasks = wait_for(lambda: one_per_instance(3), SERVICE_TIMEOUT_S, "the joined agent's task")
        self.assertIn(joined.instance_arn, {t["containerInstanceArn"] for t in tasks})
        self.assertEqual(self.describe(name)["desiredCount"], 3)

        drained = self.agents[0].instance_arn
        self.ecs.update_container_instances_state(cluster=self.cluster_name,
                                                  containerInstances=[drained], status="DRAINING")
        tasks = wait_for(lambda: one_per_instance(2), SERVICE_TIMEOUT_S,
                         "the draining instance's task to go")
        self.assertNotIn(drained, {t["containerInstanceArn"] for t in tasks})
        wait_for(lambda: self.describe(name)["desiredCount"] == 2, SERVICE_TIMEOUT_S,
                 "desiredCount 2 once the instance drains")

    def test_a_daemon_runs_only_on_the_instances_its_constraints_admit(self):
        family = "daemon-web-%d" % os.getpid()
        definition = self.ecs.register_task_definition(
            family=family, containerDefinitions=[shell("exec sleep 600")]
        )["taskDefinition"]["taskDefinitionArn"]
        name = "daemon-web-%d" % os.getpid()
        self.create(name, definition, schedulingStrategy="DAEMON", placementConstraints=[
            {"type": "memberOf", "expression": "attribute:role == web"}])
        arns = self.ecs.list_container_instances(cluster=self.cluster_name,
                                                 status="ACTIVE")["containerInstanceArns"]
        web = {i["containerInstanceArn"] for i in self.ecs.describe_container_instances(
            cluster=self.cluster_name, containerInstances=arns)["containerInstances"]
            if {"name": "role", "value": "web"} in i["attributes"]}
        self.assertTrue(web)
        tasks = wait_for(lambda: self.running(name, len(web)), SERVICE_TIMEOUT_S,
                         "a task on each web instance")
        self.assertEqual({t["containerInstanceArn"] for t in tasks}, web)
        self.assertEqual(self.describe(name)["desiredCount"], len(web))


if __name__ == "__main__":
    unittest.main()
