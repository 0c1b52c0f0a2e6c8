"""Task sets end to end on `gantry dev` with the process driver: a service
of the EXTERNAL deployment controller moved from blue to green as an
external deployment tool does it (CreateTaskSet, UpdateTaskSet,
UpdateServicePrimaryTaskSet, DeleteTaskSet), every step's counts and
statuses as ECS reports them, the tasks really RUNNING or STOPPED, and
ECS's refusals; one step through the aws cli."""
import unittest

from cluster_processes import DevTestCase, shell, wait_for

TIMEOUT_S = 60


class TaskSetsTest(DevTestCase):

    def sleeper(self, family):
        return self.register(family, [shell("echo ready; exec sleep 600")])["taskDefinitionArn"]

    def create_external(self, name, desired):
        service = self.ecs.create_service(serviceName=name, desiredCount=desired,
                                          deploymentController={"type": "EXTERNAL"})["service"]
        self.addCleanup(self.delete_quietly, name)
        return service

    def delete_quietly(self, name):
        try:
            self.ecs.delete_service(service=name, force=True)
            wait_for(lambda: self.describe(name)["status"] == "INACTIVE", TIMEOUT_S,
                     "service %s to become INACTIVE" % name)
        except Exception:  # the test already failed; do not hide that
            pass

    def describe(self, name):
        return self.ecs.describe_services(services=[name])["services"][0]

    def task_set(self, service, task_set_id):
        answer = self.ecs.describe_task_sets(cluster="default", service=service,
                                             taskSets=[task_set_id])
        return answer["taskSets"][0] if answer["taskSets"] else None

    def tasks_of(self, task_set_id, desired="RUNNING"):
        arns = self.ecs.list_tasks(startedBy=task_set_id, desiredStatus=desired)["taskArns"]
        return self.ecs.describe_tasks(tasks=arns)["tasks"] if arns else []

    def wait_task_set(self, service, task_set_id, running):
        """Waits until the task set is STEADY_STATE with `running` tasks
        RUNNING (as counted by ECS and as the tasks say); returns it."""
        def steady():
            shown = self.task_set(service, task_set_id)
            tasks = [t for t in self.tasks_of(task_set_id) if t["lastStatus"] == "RUNNING"]
            ok = (shown["stabilityStatus"] == "STEADY_STATE" and shown["runningCount"] == running
                  and shown["pendingCount"] == 0 and shown["computedDesiredCount"] == running
                  and len(tasks) == running)
            return shown if ok else None
        return wait_for(steady, TIMEOUT_S, "task set %s steady at %d" % (task_set_id, running))

    def test_blue_green_by_task_sets(self):
        blue_definition = self.sleeper("ts-blue")
        green_definition = self.sleeper("ts-green")
        created = self.create_external("bg", 2)
        self.assertEqual(created["deploymentController"], {"type": "EXTERNAL"})
        self.assertEqual(created["deployments"], [])
        self.assertEqual(created["taskSets"], [])

        blue = self.ecs.create_task_set(service="bg", cluster="default",
                                        taskDefinition="ts-blue", externalId="release-1",
                                        scale={"value": 100, "unit": "PERCENT"})["taskSet"]
        self.assertTrue(blue["id"].startswith("ecs-svc/"))
        self.assertTrue(blue["taskSetArn"].endswith(":task-set/default/bg/" + blue["id"]))
        self.assertEqual((blue["status"], blue["computedDesiredCount"], blue["stabilityStatus"]),
                         ("ACTIVE", 2, "STABILIZING"))
        self.assertEqual(blue["taskDefinition"], blue_definition)
        self.assertEqual(blue["externalId"], "release-1")
        promoted = self.ecs.update_service_primary_task_set(
            cluster="default", service="bg", primaryTaskSet=blue["taskSetArn"])["taskSet"]
        self.assertEqual(promoted["status"], "PRIMARY")
        self.wait_task_set("bg", blue["id"], 2)
        for task in self.tasks_of(blue["id"]):
            self.assertEqual((task["group"], task["startedBy"]), ("service:bg", blue["id"]))
            self.assertEqual(task["taskDefinitionArn"], blue_definition)
        service = self.describe("bg")
        self.assertEqual((service["runningCount"], service["taskDefinition"]), (2, blue_definition))

        # Green at 0 %, through the aws cli.
        green = self.assertCliOk(self.gantry.aws(
            "create-task-set", "--cluster", "default", "--service", "bg",
            "--task-definition", "ts-green", "--scale", "value=0,unit=PERCENT"))["taskSet"]
        self.assertEqual((green["status"], green["computedDesiredCount"]), ("ACTIVE", 0))
        self.wait_task_set("bg", green["id"], 0)

        grown = self.ecs.update_task_set(cluster="default", service="bg", taskSet=green["id"],
                                         scale={"value": 100, "unit": "PERCENT"})["taskSet"]
        self.assertEqual((grown["computedDesiredCount"], grown["stabilityStatus"]),
                         (2, "STABILIZING"))
        self.wait_task_set("bg", green["id"], 2)
        self.assertEqual(self.task_set("bg", blue["id"])["runningCount"], 2)  # side by side

        self.ecs.update_service_primary_task_set(cluster="default", service="bg",
                                                 primaryTaskSet=green["id"])
        statuses = {t["id"]: t["status"] for t in self.describe("bg")["taskSets"]}
        self.assertEqual(statuses, {blue["id"]: "ACTIVE", green["id"]: "PRIMARY"})
        self.assertEqual(self.describe("bg")["taskDefinition"], green_definition)

        # ECS's refusals.
        self.assertClientError("InvalidParameterException", self.ecs.delete_task_set,
                               cluster="default", service="bg", taskSet=green["id"])
        self.assertClientError("InvalidParameterException", self.ecs.delete_task_set,
                               cluster="default", service="bg", taskSet=blue["id"])
        self.assertClientError("InvalidParameterException", self.ecs.update_service,
                               service="bg", taskDefinition="ts-blue")
        self.assertClientError("TaskSetNotFoundException", self.ecs.update_task_set,
                               cluster="default", service="bg", taskSet="ecs-svc/1",
                               scale={"value": 50, "unit": "PERCENT"})
        missing = self.ecs.describe_task_sets(cluster="default", service="bg",
                                              taskSets=["ecs-svc/1"])
        self.assertEqual(missing["taskSets"], [])
        self.assertEqual(missing["failures"][0]["reason"], "MISSING")

        # Blue drains and goes away; its tasks really stop.
        blue_tasks = [t["taskArn"] for t in self.tasks_of(blue["id"])]
        draining = self.ecs.delete_task_set(cluster="default", service="bg", taskSet=blue["id"],
                                            force=True)["taskSet"]
        self.assertEqual((draining["status"], draining["computedDesiredCount"]), ("DRAINING", 0))
        wait_for(lambda: self.task_set("bg", blue["id"]) is None, TIMEOUT_S,
                 "the blue task set to go away")
        stopped = self.ecs.describe_tasks(tasks=blue_tasks)["tasks"]
        self.assertEqual({t["lastStatus"] for t in stopped}, {"STOPPED"})
        self.assertEqual({t["stopCode"] for t in stopped}, {"ServiceSchedulerInitiated"})

        # A new desired count rescales the task sets.
        self.ecs.update_service(service="bg", desiredCount=3)
        self.wait_task_set("bg", green["id"], 3)
        service = self.describe("bg")
        self.assertEqual([t["id"] for t in service["taskSets"]], [green["id"]])
        self.assertEqual((service["runningCount"], service["deployments"]), (3, []))
        messages = [e["message"] for e in service["events"]]
        self.assertIn("(service bg, taskSet %s) has reached a steady state." % green["id"],
                      messages)
        self.assertTrue(any(m.startswith("(service bg, taskSet %s) has started" % green["id"])
                            for m in messages), messages)

    def test_task_sets_need_an_external_controller(self):
        self.sleeper("ts-plain")
        self.ecs.create_service(serviceName="plain", taskDefinition="ts-plain", desiredCount=0)
        self.addCleanup(self.delete_quietly, "plain")
        response = self.assertClientError("InvalidParameterException", self.ecs.create_task_set,
                                          cluster="default", service="plain",
                                          taskDefinition="ts-plain")
        self.assertIn("external deployment controllers", response["Error"]["Message"])
        self.assertClientError("ServiceNotFoundException", self.ecs.create_task_set,
                               cluster="default", service="nope", taskDefinition="ts-plain")


if __name__ == "__main__":
    unittest.main()
