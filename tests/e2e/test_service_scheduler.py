"""The service scheduler end to end on `gantry dev` with the process driver:
a REPLICA service keeps desiredCount tasks RUNNING, replaces a task whose
process dies, rolls a new task definition out within the deployment's
bounds (sampled all along), trips the circuit breaker and rolls back,
writes ECS's service events, and drains to INACTIVE when deleted; the aws
cli's `wait services-stable` / `services-inactive` work unchanged; a
`kill -9` of gantry during a rolling update neither duplicates nor orphans
a task."""
import math
import os
import signal
import threading
import time
import unittest

from cluster_processes import DevTestCase, process_alive, shell, wait_for

SERVICE_TIMEOUT_S = 60
LIVE_STATUSES = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


class ServiceSchedulerTest(DevTestCase):

    # -- helpers ---------------------------------------------------------------

    def sleeper(self, family, marker="ready"):
        """A definition whose container says `marker` and sleeps."""
        return self.register(family, [shell("echo %s; exec sleep 600" % marker)])

    def create(self, name, definition, desired, **extra):
        service = self.ecs.create_service(serviceName=name, taskDefinition=definition,
                                          desiredCount=desired, **extra)["service"]
        self.addCleanup(self.delete_quietly, name)
        return service

    def delete_quietly(self, name):
        try:
            self.ecs.delete_service(service=name, force=True)
            wait_for(lambda: self.describe(name)["status"] == "INACTIVE", SERVICE_TIMEOUT_S,
                     "service %s to become INACTIVE" % name)
        except Exception:  # the test already failed; do not hide that
            pass

    def describe(self, name):
        answer = self.ecs.describe_services(services=[name])
        self.assertEqual(answer["failures"], [], answer)
        return answer["services"][0]

    def tasks_of(self, name, desired="RUNNING"):
        arns = self.ecs.list_tasks(serviceName=name, desiredStatus=desired)["taskArns"]
        tasks = []
        for i in range(0, len(arns), 100):
            tasks += self.ecs.describe_tasks(tasks=arns[i:i + 100])["tasks"]
        return tasks

    def all_tasks_of(self, name):
        """Every task of the service, once each: one that is stopped between
        the two lists is in both, and its later description wins."""
        tasks = {}
        for task in self.tasks_of(name, "RUNNING") + self.tasks_of(name, "STOPPED"):
            tasks[task["taskArn"]] = task
        return list(tasks.values())

    def wait_steady(self, name, definition_arn, desired, timeout=SERVICE_TIMEOUT_S):
        """Waits until the service has one deployment, COMPLETED, of
        `definition_arn`, with `desired` tasks RUNNING; returns the service."""
        def steady():
            service = self.describe(name)
            deployments = service["deployments"]
            running = [t for t in self.tasks_of(name) if t["lastStatus"] == "RUNNING"]
            ok = (len(deployments) == 1 and deployments[0]["rolloutState"] == "COMPLETED"
                  and deployments[0]["taskDefinition"] == definition_arn
                  and service["runningCount"] == desired and len(running) == desired
                  and all(t["taskDefinitionArn"] == definition_arn for t in running))
            return service if ok else None
        return wait_for(steady, timeout, "service %s steady at %d tasks" % (name, desired))

    def messages(self, name):
        return [event["message"] for event in self.describe(name)["events"]]

    # -- tests -------------------------------------------------------------------

    def test_keeps_desired_count_and_writes_its_events(self):
        name = self.unique("api")
        definition = self.sleeper(self.unique("api"))["taskDefinitionArn"]
        created = self.create(name, definition, 3)
        self.assertEqual(created["deployments"][0]["rolloutState"], "IN_PROGRESS")
        service = self.wait_steady(name, definition, 3)

        tasks = self.tasks_of(name)
        deployment_id = service["deployments"][0]["id"]
        self.assertTrue(deployment_id.startswith("ecs-svc/"), deployment_id)
        for task in tasks:
            self.assertEqual(task["group"], "service:" + name)
            self.assertEqual(task["startedBy"], deployment_id)
        messages = self.messages(name)
        started = [m for m in messages if m.startswith("(service %s) has started " % name)]
        self.assertTrue(started, messages)
        self.assertIn("(service %s) has reached a steady state." % name, messages)
        self.assertEqual(service["deployments"][0]["rolloutStateReason"],
                         "ECS deployment %s completed." % deployment_id)
        # Newest first, as ECS lists them.
        times = [event["createdAt"] for event in self.describe(name)["events"]]
        self.assertEqual(times, sorted(times, reverse=True))

    def test_a_task_whose_process_dies_is_replaced(self):
        name = self.unique("worker")
        definition = self.sleeper(self.unique("worker"))["taskDefinitionArn"]
        self.create(name, definition, 2)
        self.wait_steady(name, definition, 2)
        victim = self.tasks_of(name)[0]
        os.kill(self.workload_pid(victim["taskArn"], "main"), signal.SIGKILL)

        def replaced():
            tasks = self.tasks_of(name)
            running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
            return len(running) == 2 and victim["taskArn"] not in [t["taskArn"] for t in tasks]
        wait_for(replaced, SERVICE_TIMEOUT_S, "the killed task to be replaced")
        stopped = self.ecs.describe_tasks(tasks=[victim["taskArn"]])["tasks"][0]
        self.assertEqual(stopped["lastStatus"], "STOPPED")
        self.assertEqual(stopped["stopCode"], "EssentialContainerExited")
        self.wait_steady(name, definition, 2)

    def test_desired_count_change_scales_without_a_new_deployment(self):
        name = self.unique("scale")
        definition = self.sleeper(self.unique("scale"))["taskDefinitionArn"]
        self.create(name, definition, 1)
        first = self.wait_steady(name, definition, 1)["deployments"][0]["id"]
        self.ecs.update_service(service=name, desiredCount=3)
        service = self.wait_steady(name, definition, 3)
        self.assertEqual(service["deployments"][0]["id"], first)
        self.ecs.update_service(service=name, desiredCount=1)
        self.wait_steady(name, definition, 1)
        wait_for(lambda: any("has stopped 2 running tasks" in m for m in self.messages(name)),
                 SERVICE_TIMEOUT_S, "the scale-in event")

    def rolling_update_within_bounds(self, desired, minimum, maximum):
        name = self.unique("roll")
        family = self.unique("roll")
        old = self.sleeper(family, "old")["taskDefinitionArn"]
        self.create(name, old, desired, deploymentConfiguration={
            "minimumHealthyPercent": minimum, "maximumPercent": maximum})
        self.wait_steady(name, old, desired)
        new = self.sleeper(family, "new")["taskDefinitionArn"]

        ceiling = math.floor(desired * maximum / 100)
        floor = math.ceil(desired * minimum / 100)
        broken = []
        done = threading.Event()

        known = set()

        def listed():
            arns = set()
            for desired in ("RUNNING", "STOPPED"):
                arns.update(self.ecs.list_tasks(serviceName=name, desiredStatus=desired)["taskArns"])
            return arns

        def sample():
            # One DescribeTasks reads one state; a task that appeared while it
            # ran makes the sample inconclusive, not a violation.
            while not done.is_set():
                known.update(listed())
                tasks = self.ecs.describe_tasks(tasks=sorted(known)[:100])["tasks"]
                if not listed() <= known:
                    continue
                # ECS's upper limit is on "tasks in the RUNNING or PENDING
                # state" (maximumPercent): a task already stopping is not one.
                live = [t for t in tasks if t["lastStatus"] in LIVE_STATUSES]
                healthy = [t for t in live if t["lastStatus"] == "RUNNING"
                           and t["desiredStatus"] == "RUNNING"]
                if len(live) > ceiling:
                    broken.append("%d tasks PENDING or RUNNING, above %d" % (len(live), ceiling))
                if len(healthy) < floor:
                    broken.append("%d tasks RUNNING, below %d" % (len(healthy), floor))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            self.ecs.update_service(service=name, taskDefinition=new)
            self.wait_steady(name, new, desired)
        finally:
            done.set()
            sampler.join()
        self.assertEqual(broken, [])

    def test_rolling_update_at_100_200_stays_within_bounds(self):
        self.rolling_update_within_bounds(4, 100, 200)

    def test_rolling_update_at_50_100_stays_within_bounds(self):
        self.rolling_update_within_bounds(4, 50, 100)

    def test_rolling_update_at_0_100_stays_within_bounds(self):
        self.rolling_update_within_bounds(3, 0, 100)

    def test_a_deployment_the_bounds_forbid_says_so(self):
        name = self.unique("stuck")
        family = self.unique("stuck")
        old = self.sleeper(family, "old")["taskDefinitionArn"]
        self.create(name, old, 1, deploymentConfiguration={
            "minimumHealthyPercent": 100, "maximumPercent": 100})
        self.wait_steady(name, old, 1)
        new = self.sleeper(family, "new")["taskDefinitionArn"]
        self.ecs.update_service(service=name, taskDefinition=new)
        wait_for(lambda: any("deployment configuration" in m for m in self.messages(name)),
                 SERVICE_TIMEOUT_S, "the no-progress event")
        running = [t for t in self.tasks_of(name) if t["lastStatus"] == "RUNNING"]
        self.assertEqual([t["taskDefinitionArn"] for t in running], [old])

    def test_circuit_breaker_fails_the_deployment_and_rolls_back(self):
        name = self.unique("breaker")
        family = self.unique("breaker")
        good = self.sleeper(family)["taskDefinitionArn"]
        self.create(name, good, 2, deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        completed = self.wait_steady(name, good, 2)["deployments"][0]["id"]
        bad = self.register(family, [shell("exit 1")])["taskDefinitionArn"]
        failing = self.ecs.update_service(service=name, taskDefinition=bad)["service"]
        failing_id = failing["deployments"][0]["id"]

        def rolled_back():
            messages = self.messages(name)
            return (("(service %s) (deployment %s) deployment failed: tasks failed to start."
                     % (name, failing_id)) in messages
                    and ("(service %s) rolling back to deployment %s." % (name, completed))
                    in messages)
        wait_for(rolled_back, SERVICE_TIMEOUT_S, "the breaker to fail the deployment and roll back")
        # ECS rolls back to the last COMPLETED deployment, which keeps its id.
        service = self.wait_steady(name, good, 2)
        self.assertEqual(service["deployments"][0]["id"], completed)
        self.assertEqual(service["taskDefinition"], good)
        # max(3, min(200, ceil(0.5 * 2))) = 3 failures trip it; it launches no more after.
        bad_started = [t for t in self.all_tasks_of(name) if t["taskDefinitionArn"] == bad]
        self.assertGreaterEqual(len(bad_started), 3)
        self.assertLessEqual(len(bad_started), 3 + 2, "the breaker stops launching at its threshold")

    def test_delete_drains_to_inactive_and_the_name_is_free_again(self):
        name = self.unique("gone")
        definition = self.sleeper(self.unique("gone"))["taskDefinitionArn"]
        self.create(name, definition, 2)
        self.wait_steady(name, definition, 2)
        self.assertCliOk(self.gantry.aws("wait", "services-stable", "--services", name))
        self.assertClientError("InvalidParameterException", self.ecs.delete_service, service=name)
        self.assertEqual(self.ecs.delete_service(service=name, force=True)["service"]["status"],
                         "DRAINING")
        self.assertCliOk(self.gantry.aws("wait", "services-inactive", "--services", name))
        self.assertEqual([t for t in self.tasks_of(name) if t["lastStatus"] != "STOPPED"], [])
        listed = self.ecs.list_services()["serviceArns"]
        self.assertFalse([arn for arn in listed if arn.endswith("/" + name)], listed)
        self.create(name, definition, 1)
        self.wait_steady(name, definition, 1)

    def test_a_kill_9_during_a_rolling_update_neither_duplicates_nor_orphans(self):
        name = self.unique("durable")
        family = self.unique("durable")
        old = self.sleeper(family, "old")["taskDefinitionArn"]
        self.create(name, old, 10)
        self.wait_steady(name, old, 10)
        new = self.sleeper(family, "new")["taskDefinitionArn"]
        self.ecs.update_service(service=name, taskDefinition=new)
        wait_for(lambda: any(t["taskDefinitionArn"] == new for t in self.tasks_of(name)),
                 SERVICE_TIMEOUT_S, "the rolling update to start")
        self.gantry.kill9()  # and starts it again on the same port and data
        self.ecs = self.gantry.client()
        self.wait_steady(name, new, 10, timeout=2 * SERVICE_TIMEOUT_S)
        running = [t for t in self.tasks_of(name) if t["lastStatus"] == "RUNNING"]
        self.assertEqual(len({t["taskArn"] for t in running}), 10)
        # Every workload still alive belongs to a task the control plane shows RUNNING.
        alive = set()
        for task in self.all_tasks_of(name):
            path = os.path.join(self.container_dir(task["taskArn"], "main"), "pid")
            if os.path.exists(path) and not os.path.exists(
                    os.path.join(os.path.dirname(path), "exit")):
                if process_alive(self.workload_pid(task["taskArn"], "main")):
                    alive.add(task["taskArn"])
        self.assertEqual(alive, {t["taskArn"] for t in running})


if __name__ == "__main__":
    unittest.main()
