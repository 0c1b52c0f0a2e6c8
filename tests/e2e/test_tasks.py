"""Tasks end to end on `gantry dev`: RunTask with overrides, exit codes and
stop codes, StopTask with a container's stopTimeout, essential containers,
dependsOn, health checks, memory limits, clientToken and count, and what
ListTasks / DescribeTasks show. The process driver runs each container's
entryPoint + command on this machine, so every test reads what its
workload really did from the container's stdout.log."""
import os
import shutil
import sys
import tempfile
import time
import unittest

from cluster_processes import (DevTestCase, container_of, describe_task, read_text, shell,
                               wait_for, wait_for_task, wait_for_tasks)


def memory_cgroup_probe():
    """(True, where) when this process can make a memory cgroup below its
    own one, as the agent must to enforce container memory; (False, why)."""
    own = {}
    with open("/proc/self/cgroup", encoding="utf-8") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            own[controllers] = path
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        mounts = [line.split() for line in f]
    candidates = []
    for fields in mounts:
        dash = fields.index("-")
        root, mountpoint = fields[3], fields[4]
        fstype, options = fields[dash + 1], fields[dash + 3]
        if fstype == "cgroup" and "memory" in options.split(","):
            path = next((p for c, p in own.items() if "memory" in c.split(",")), None)
            candidates.append((1, root, mountpoint, path))
        elif fstype == "cgroup2":
            candidates.append((2, root, mountpoint, own.get("")))
    candidates.sort()  # v1's memory controller wins on hybrid systems, as in the agent
    for version, root, mountpoint, path in candidates:
        if path is None:
            continue
        relative = path[len(root):] if root != "/" and path.startswith(root) else path
        group = os.path.join(mountpoint, relative.lstrip("/"))
        if version == 2:
            controllers = read_text(os.path.join(group, "cgroup.controllers")).split()
            if "memory" not in controllers:
                return False, "cgroup v2 at %s offers no memory controller" % group
        probe = os.path.join(group, "gantry-e2e-probe-%d" % os.getpid())
        try:
            os.mkdir(probe)
            os.rmdir(probe)
        except OSError as error:
            return False, "cannot make a memory cgroup below %s: %s" % (group, error)
        return True, group
    return False, "no memory cgroup hierarchy is mounted"


class TaskTest(DevTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="gantry-e2e-task-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def sleeper(self, family, **extra):
        """A definition whose container says "ready" and sleeps."""
        self.register(family, [shell("echo ready; exec sleep 60", **extra)])

    def wait_ready(self, task_arn, container="main"):
        wait_for(lambda: "ready" in self.stdout_of(task_arn, container), 10,
                 "%s of %s to say ready" % (container, task_arn))

    # -- one-shot batch tasks -------------------------------------------------------

    def test_exit_code_environment_override_tags_and_timestamps(self):
        family = self.unique("greet")
        self.register(family, [shell('echo "$GREETING from $PLACE"; exit 7',
                                     environment=[{"name": "GREETING", "value": "hello"},
                                                  {"name": "PLACE", "value": "definition"}])],
                      tags=[{"key": "team", "value": "batch"},
                            {"key": "owner", "value": "definition"}])
        started_by = self.unique("cron")
        task = self.run_one(
            family, startedBy=started_by, propagateTags="TASK_DEFINITION",
            tags=[{"key": "owner", "value": "run"}, {"key": "job", "value": "42"}],
            overrides={"containerOverrides": [
                {"name": "main", "environment": [{"name": "GREETING", "value": "bonjour"}]}]})
        arn = task["taskArn"]
        self.assertIn(task["lastStatus"], ("PROVISIONING", "PENDING", "RUNNING", "STOPPED"))
        self.assertEqual(task["desiredStatus"], "RUNNING")
        self.assertEqual(task["startedBy"], started_by)
        self.assertEqual(task["containerInstanceArn"], self.instance_arn)

        task = wait_for_task(self.ecs, arn, "STOPPED")
        main = container_of(task, "main")
        self.assertEqual(main["exitCode"], 7)
        self.assertEqual(main["lastStatus"], "STOPPED")
        self.assertEqual(task["desiredStatus"], "STOPPED")
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        # The override replaced one variable and kept the definition's other.
        self.assertEqual(self.stdout_of(arn, "main"), "bonjour from definition\n")
        # Once the task has left the agent's set, its runtime files (and
        # cgroup) are freed; its logs stay.
        exit_file = os.path.join(self.container_dir(arn, "main"), "exit")
        wait_for(lambda: not os.path.exists(exit_file), 10, "the container's runtime files to go")
        self.assertEqual(task["overrides"]["containerOverrides"][0]["environment"],
                         [{"name": "GREETING", "value": "bonjour"}])

        self.assertLessEqual(task["createdAt"], task["pullStartedAt"])
        self.assertLessEqual(task["pullStartedAt"], task["pullStoppedAt"])
        self.assertLessEqual(task["createdAt"], task["startedAt"])
        self.assertLessEqual(task["startedAt"], task["stoppingAt"])
        self.assertLessEqual(task["stoppingAt"], task["stoppedAt"])
        self.assertLessEqual(task["executionStoppedAt"], task["stoppedAt"])

        # Tags only with include=TAGS; the run's win over the definition's.
        self.assertFalse(task.get("tags"), "tags without include=TAGS")
        tagged = self.ecs.describe_tasks(tasks=[arn], include=["TAGS"])["tasks"][0]
        self.assertEqual(sorted((t["key"], t["value"]) for t in tagged["tags"]),
                         [("job", "42"), ("owner", "run"), ("team", "batch")])

    def test_command_override_replaces_the_command(self):
        family = self.unique("cmd")
        self.register(family, [shell("echo definition; exit 1",
                                     environment=[{"name": "A", "value": "from-definition"}])])
        task = self.run_one(family, overrides={"containerOverrides": [
            {"name": "main", "command": ['echo "override $A $B"; exit 0'],
             "environment": [{"name": "B", "value": "added"}]}]})
        task = wait_for_task(self.ecs, task["taskArn"], "STOPPED")
        self.assertEqual(container_of(task, "main")["exitCode"], 0)
        # An essential container that exits 0 still stops the task.
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(self.stdout_of(task["taskArn"], "main"),
                         "override from-definition added\n")

    def test_override_for_an_unknown_container_is_rejected(self):
        family = self.unique("bad-override")
        self.register(family, [shell("exit 0")])
        self.assertClientError("InvalidParameterException", self.ecs.run_task,
                               taskDefinition=family,
                               overrides={"containerOverrides": [{"name": "nope",
                                                                  "command": ["x"]}]})

    def test_list_tasks_filters_and_describe_failures(self):
        sleeper_family, quick_family = self.unique("list-sleep"), self.unique("list-quick")
        started_by = self.unique("lister")
        self.sleeper(sleeper_family)
        self.register(quick_family, [shell("exit 0")])
        sleeper = self.run_one(sleeper_family, startedBy=started_by)["taskArn"]
        self.addCleanup(self.stop_quietly, sleeper)
        quick = self.run_one(quick_family, startedBy=started_by)["taskArn"]
        wait_for_task(self.ecs, sleeper, "RUNNING")
        wait_for_task(self.ecs, quick, "STOPPED")

        def listed(**kwargs):
            arns = []
            for page in self.ecs.get_paginator("list_tasks").paginate(**kwargs):
                arns += page["taskArns"]
            return sorted(arns)

        self.assertEqual(listed(family=sleeper_family), [sleeper])  # RUNNING by default
        self.assertEqual(listed(family=sleeper_family, desiredStatus="RUNNING"), [sleeper])
        self.assertEqual(listed(family=quick_family), [])
        self.assertEqual(listed(family=quick_family, desiredStatus="STOPPED"), [quick])
        self.assertEqual(listed(startedBy=started_by), [sleeper])
        self.assertEqual(listed(startedBy=started_by, desiredStatus="STOPPED"), [quick])
        self.assertEqual(listed(startedBy=self.unique("nobody")), [])
        self.assertIn(sleeper, listed(containerInstance=self.instance_arn))
        self.assertIn(sleeper, listed(launchType="EC2"))
        self.assertNotIn(sleeper, listed(launchType="FARGATE"))
        paged = self.ecs.list_tasks(startedBy=started_by, desiredStatus="RUNNING", maxResults=1)
        self.assertEqual(paged["taskArns"], [sleeper])

        unknown_id = "0123456789abcdef0123456789abcdef"
        unknown_arn = sleeper.rsplit("/", 1)[0] + "/fedcba9876543210fedcba9876543210"
        answer = self.ecs.describe_tasks(tasks=[sleeper, unknown_id, unknown_arn, quick])
        self.assertEqual(sorted(t["taskArn"] for t in answer["tasks"]), sorted([sleeper, quick]))
        self.assertEqual(len(answer["failures"]), 2, answer["failures"])
        for failure, wanted in zip(answer["failures"], (unknown_id, unknown_arn)):
            self.assertEqual(failure["reason"], "MISSING")
            self.assertTrue(failure["arn"].endswith(wanted.rsplit("/", 1)[-1]), failure)
        # Short ids name tasks as well as ARNs do.
        self.assertEqual(describe_task(self.ecs, sleeper.rsplit("/", 1)[1])["taskArn"], sleeper)

        self.ecs.stop_task(task=sleeper)
        wait_for_task(self.ecs, sleeper, "STOPPED")
        self.assertEqual(listed(family=sleeper_family), [])
        self.assertEqual(listed(family=sleeper_family, desiredStatus="STOPPED"), [sleeper])
        self.assertClientError("InvalidParameterException", self.ecs.stop_task,
                               task=unknown_id)

    # -- stopping -------------------------------------------------------------------

    def test_stop_task_kills_after_the_stop_timeout_when_term_is_ignored(self):
        family = self.unique("stubborn")
        self.register(family, [shell('trap "" TERM; echo ready; sleep 60; exit 0',
                                     stopTimeout=2)])
        arn = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, arn)
        wait_for_task(self.ecs, arn, "RUNNING")
        self.wait_ready(arn)  # the trap is set: TERM is ignored from now on
        pid = self.workload_pid(arn, "main")

        began = time.monotonic()
        stopping = self.ecs.stop_task(task=arn, reason="rolling the batch back")["task"]
        self.assertEqual(stopping["desiredStatus"], "STOPPED")
        task = wait_for_task(self.ecs, arn, "STOPPED", timeout=15)
        took = time.monotonic() - began
        self.assertGreaterEqual(took, 1.5, "stopped before its 2 s stopTimeout")
        self.assertLess(took, 10)
        self.assertEqual(container_of(task, "main")["exitCode"], 137)  # SIGKILL
        self.assertEqual(task["stopCode"], "UserInitiated")
        self.assertEqual(task["stoppedReason"], "rolling the batch back")
        self.assertFalse(os.path.exists("/proc/%d" % pid) and
                         "sleep" in read_text("/proc/%d/cmdline" % pid), "workload still runs")

    def test_stop_task_with_term(self):
        family = self.unique("polite")
        self.sleeper(family, stopTimeout=20)
        arn = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, arn)
        wait_for_task(self.ecs, arn, "RUNNING")
        self.wait_ready(arn)
        began = time.monotonic()
        self.ecs.stop_task(task=arn)
        task = wait_for_task(self.ecs, arn, "STOPPED", timeout=15)
        self.assertLess(time.monotonic() - began, 5, "TERM alone should have stopped it")
        self.assertEqual(container_of(task, "main")["exitCode"], 143)  # SIGTERM
        self.assertEqual(task["stopCode"], "UserInitiated")
        self.assertEqual(task["stoppedReason"], "Task stopped by user")
        # Stopping a stopped task changes nothing.
        again = self.ecs.stop_task(task=arn)["task"]
        self.assertEqual(again["lastStatus"], "STOPPED")
        self.assertEqual(again["stopCode"], "UserInitiated")

    def test_host_ports_are_reported_as_network_bindings(self):
        # A process listens on the host itself: hostPort is its containerPort.
        family = self.unique("ports")
        self.register(family, [shell("echo ready; exec sleep 60", portMappings=[
            {"containerPort": 18931, "protocol": "tcp"},
            {"containerPort": 18932, "protocol": "udp"}])], networkMode="host")
        arn = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, arn)
        task = wait_for_task(self.ecs, arn, "RUNNING")
        bindings = sorted(container_of(task, "main")["networkBindings"],
                          key=lambda b: b["containerPort"])
        self.assertEqual(bindings, [
            {"bindIP": "0.0.0.0", "containerPort": 18931, "hostPort": 18931, "protocol": "tcp"},
            {"bindIP": "0.0.0.0", "containerPort": 18932, "hostPort": 18932, "protocol": "udp"}])
        # The same host ports are taken until the task stops.
        second = self.ecs.run_task(taskDefinition=family)
        self.assertEqual(second["tasks"], [])
        self.assertEqual([f["reason"] for f in second["failures"]], ["RESOURCE:PORTS"])

    def test_essential_exit_stops_the_other_containers(self):
        family = self.unique("essential")
        go = os.path.join(self.tmp, "go")
        self.register(family, [
            shell('while [ ! -f "$GO" ]; do sleep 0.05; done; exit 3', name="app",
                  environment=[{"name": "GO", "value": go}]),
            shell("exit 5", name="helper", essential=False),
            shell("echo ready; exec sleep 60", name="side", essential=False),
        ])
        arn = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, arn)
        # A non-essential container that exits leaves the task running.
        task = wait_for_task(self.ecs, arn, "RUNNING",
                             check=lambda t: container_of(t, "helper")["lastStatus"] == "STOPPED")
        self.assertEqual(container_of(task, "helper")["exitCode"], 5)
        self.assertEqual(container_of(task, "app")["lastStatus"], "RUNNING")
        self.assertEqual(container_of(task, "side")["lastStatus"], "RUNNING")
        self.wait_ready(arn, "side")

        with open(go, "w", encoding="utf-8"):
            pass
        task = wait_for_task(self.ecs, arn, "STOPPED")
        self.assertEqual(container_of(task, "app")["exitCode"], 3)
        self.assertEqual(container_of(task, "side")["exitCode"], 143)
        self.assertEqual(container_of(task, "helper")["exitCode"], 5)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")

    # -- dependsOn -------------------------------------------------------------------

    def test_depends_on_start_complete_and_success_order_the_containers(self):
        family = self.unique("ordered")
        order, go = os.path.join(self.tmp, "order"), os.path.join(self.tmp, "go")
        env = [{"name": "ORDER", "value": order}, {"name": "GO", "value": go}]
        self.register(family, [
            # init runs until `starter` (which only needs init STARTed) lets it finish.
            shell('echo init-start >> "$ORDER"; while [ ! -f "$GO" ]; do sleep 0.05; done; '
                  'echo init-end >> "$ORDER"; exit 0', name="init", essential=False,
                  environment=env),
            shell('echo starter >> "$ORDER"; touch "$GO"', name="starter", essential=False,
                  environment=env, dependsOn=[{"containerName": "init", "condition": "START"}]),
            shell('echo after-complete >> "$ORDER"', name="after", essential=False,
                  environment=env,
                  dependsOn=[{"containerName": "init", "condition": "COMPLETE"}]),
            shell('echo app >> "$ORDER"', name="app", environment=env,
                  dependsOn=[{"containerName": "init", "condition": "SUCCESS"},
                             {"containerName": "after", "condition": "COMPLETE"}]),
        ])
        arn = self.run_one(family)["taskArn"]
        task = wait_for_task(self.ecs, arn, "STOPPED")
        self.assertEqual(read_text(order).split(),
                         ["init-start", "starter", "init-end", "after-complete", "app"])
        for name in ("init", "starter", "after", "app"):
            self.assertEqual(container_of(task, name)["exitCode"], 0, name)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")

    def test_failed_success_dependency_never_starts_the_dependent(self):
        family = self.unique("unmet")
        order = os.path.join(self.tmp, "order")
        env = [{"name": "ORDER", "value": order}]
        self.register(family, [
            shell('echo init >> "$ORDER"; exit 1', name="init", essential=False,
                  environment=env),
            shell('echo app >> "$ORDER"', name="app", environment=env,
                  dependsOn=[{"containerName": "init", "condition": "SUCCESS"}]),
        ])
        arn = self.run_one(family)["taskArn"]
        task = wait_for_task(self.ecs, arn, "STOPPED")
        self.assertEqual(read_text(order).split(), ["init"])
        self.assertEqual(container_of(task, "init")["exitCode"], 1)
        app = container_of(task, "app")
        self.assertNotIn("exitCode", app)
        self.assertEqual(app["lastStatus"], "STOPPED")
        self.assertNotIn("startedAt", task, "the task never ran its essential container")
        self.assertEqual(task["stopCode"], "TaskFailedToStart")

    # -- health checks ---------------------------------------------------------------

    def test_health_checks_set_container_and_task_health(self):
        def check(command):
            return {"command": ["CMD-SHELL", command], "interval": 5, "timeout": 2,
                    "retries": 1, "startPeriod": 0}

        def containers(bad_is_essential):
            return [shell("echo ready; exec sleep 60", name="good", healthCheck=check("exit 0")),
                    shell("echo ready; exec sleep 60", name="bad", essential=bad_is_essential,
                          healthCheck=check("exit 1"))]

        lenient, strict = self.unique("health-lenient"), self.unique("health-strict")
        self.register(lenient, containers(bad_is_essential=False))
        self.register(strict, containers(bad_is_essential=True))
        # Both at once: the first probes come one interval (5 s) after start.
        lenient_arn = self.run_one(lenient)["taskArn"]
        self.addCleanup(self.stop_quietly, lenient_arn)
        strict_arn = self.run_one(strict)["taskArn"]
        self.addCleanup(self.stop_quietly, strict_arn)
        task = wait_for_task(self.ecs, lenient_arn, "RUNNING")
        self.assertEqual(task["healthStatus"], "UNKNOWN")
        self.assertEqual(container_of(task, "good")["healthStatus"], "UNKNOWN")

        def settled(t):
            return (container_of(t, "good").get("healthStatus") == "HEALTHY"
                    and container_of(t, "bad").get("healthStatus") == "UNHEALTHY"
                    and t.get("healthStatus") in ("HEALTHY", "UNHEALTHY"))

        # A non-essential container's health does not count for the task.
        task = wait_for_task(self.ecs, lenient_arn, "RUNNING", timeout=20, check=settled)
        self.assertEqual(task["healthStatus"], "HEALTHY")
        # An essential UNHEALTHY container makes the task UNHEALTHY; a
        # standalone task keeps running.
        task = wait_for_task(self.ecs, strict_arn, "RUNNING", timeout=20, check=settled)
        self.assertEqual(task["healthStatus"], "UNHEALTHY")
        for arn in (lenient_arn, strict_arn):
            self.ecs.stop_task(task=arn)
        for arn in (lenient_arn, strict_arn):
            wait_for_task(self.ecs, arn, "STOPPED")

    # -- memory limits -----------------------------------------------------------------

    def test_container_over_its_memory_limit_is_killed(self):
        usable, why = memory_cgroup_probe()
        if not usable:
            print("\nskipping the memory limit test: %s" % why, file=sys.stderr)
            self.skipTest(why)
        family = self.unique("hog")
        self.register(family, [{
            "name": "hog", "image": "python", "memory": 16, "essential": True,
            "entryPoint": [sys.executable, "-c"],
            "command": ["s = b'x' * (300 * 1024 * 1024); print(len(s))"],
        }])
        arn = self.run_one(family)["taskArn"]
        task = wait_for_task(self.ecs, arn, "STOPPED", timeout=30)
        hog = container_of(task, "hog")
        self.assertIn("OutOfMemoryError", hog.get("reason", ""), hog)
        self.assertEqual(hog.get("exitCode"), 137, hog)
        self.assertEqual(self.stdout_of(arn, "hog"), "", "the allocation succeeded")
        self.assertEqual(task["stopCode"], "EssentialContainerExited")

    # -- clientToken and count -----------------------------------------------------------

    def test_client_token_makes_run_task_idempotent(self):
        family = self.unique("token")
        self.sleeper(family)
        started_by = self.unique("idem")
        token = self.unique("token-value")
        first = self.ecs.run_task(taskDefinition=family, clientToken=token, startedBy=started_by)
        self.assertEqual(first["failures"], [])
        arns = [t["taskArn"] for t in first["tasks"]]
        for arn in arns:
            self.addCleanup(self.stop_quietly, arn)
        second = self.ecs.run_task(taskDefinition=family, clientToken=token, startedBy=started_by)
        self.assertEqual([t["taskArn"] for t in second["tasks"]], arns)
        self.assertEqual(second["failures"], [])
        wait_for_task(self.ecs, arns[0], "RUNNING")
        third = self.ecs.run_task(taskDefinition=family, clientToken=token, startedBy=started_by)
        self.assertEqual([t["taskArn"] for t in third["tasks"]], arns)
        listed = self.ecs.list_tasks(startedBy=started_by)["taskArns"]
        listed += self.ecs.list_tasks(startedBy=started_by, desiredStatus="STOPPED")["taskArns"]
        self.assertEqual(listed, arns, "a retried RunTask launched another task")
        # Another token launches another task.
        other = self.run_one(family, clientToken=token + "-2", startedBy=started_by)["taskArn"]
        self.addCleanup(self.stop_quietly, other)
        self.assertNotIn(other, arns)
        for arn in arns + [other]:
            self.ecs.stop_task(task=arn)
            wait_for_task(self.ecs, arn, "STOPPED")

    def test_count_launches_that_many_tasks(self):
        family = self.unique("many")
        self.register(family, [shell('echo "$$"; exit 0')])
        answer = self.ecs.run_task(taskDefinition=family, count=3)
        self.assertEqual(answer["failures"], [])
        arns = [t["taskArn"] for t in answer["tasks"]]
        self.assertEqual(len(set(arns)), 3)
        for task in wait_for_tasks(self.ecs, arns, "STOPPED"):
            self.assertEqual(container_of(task, "main")["exitCode"], 0)
            self.assertEqual(task["group"], "family:" + family)
        pids = {self.stdout_of(arn, "main") for arn in arns}
        self.assertEqual(len(pids), 3, "three tasks, three processes")
        self.assertClientError("InvalidParameterException", self.ecs.run_task,
                               taskDefinition=family, count=11)


if __name__ == "__main__":
    unittest.main()
