"""Agents and faults end to end: `gantry server` with two `gantry agent`
processes (placement over both, an agent restarted under its running task,
an agent cut off and back), `gantry dev` killed with SIGKILL in the middle
of a burst of RunTask calls, and `gantry dev` stopped with SIGTERM while its
agent is busy."""
import os
import shutil
import tempfile
import threading
import time
import unittest

import boto3
from botocore.config import Config

from cluster_processes import (DevTestCase, ServerWithAgentsTestCase,
                               assert_holds, container_of, describe_task, instance_of,
                               process_alive, shell, wait_for, wait_for_connected_instance,
                               wait_for_task)
from gantry_process import REGION, GantryProcess

BURST_THREADS = 4
BURST_CALLS_PER_THREAD = 40
KILL_AFTER_SUCCESSES = 20
BURST_PAUSE_S = 0.005  # RunTask answers in about a millisecond: let the kill land mid-burst
BURST_TIMEOUT_S = 60


def no_retry_client(gantry):
    """A client that tries each call once (GantryProcess.client's retries
    once: {"max_attempts": 1} counts retries), so a call the kill cut off
    fails instead of landing on the restarted server."""
    return boto3.client(
        "ecs", endpoint_url=gantry.endpoint, region_name=REGION,
        aws_access_key_id=gantry.access_key, aws_secret_access_key=gantry.secret_key,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                      connect_timeout=5, read_timeout=30))


GPUS = ["gpu-a0", "gpu-a1", "gpu-a2"]


class AgentsTestCase(ServerWithAgentsTestCase):
    """A `gantry server` (agents count as gone after 2 silent seconds) and
    two agents, zone=a (with three GPUs) and zone=b, in a cluster of the
    class's own."""

    server_options = {"agent_idle_timeout_s": 2}
    cluster = None

    @classmethod
    def start_agents(cls):
        cls.cluster = "agents-%d" % os.getpid()
        cls.ecs.create_cluster(clusterName=cls.cluster)
        for zone in ("a", "b"):
            cls.add_agent(cls.cluster, attributes={"zone": zone},
                          gpu_ids=GPUS if zone == "a" else ())
        for agent in cls.agents:
            wait_for(lambda a=agent: instance_of(cls.ecs, a.instance_arn,
                                                 cls.cluster)["agentConnected"],
                     10, "agent %s to show as connected" % agent.instance_arn)

    _counter = 0

    def unique(self, stem):
        AgentsTestCase._counter += 1
        return "%s-%d-%d" % (stem, os.getpid() % 10000, AgentsTestCase._counter)

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="gantry-e2e-agents-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def register(self, containers):
        family = self.unique("agents")
        self.ecs.register_task_definition(family=family, containerDefinitions=containers)
        return family

    def run_on(self, family, zone, **kwargs):
        answer = self.ecs.run_task(
            cluster=self.cluster, taskDefinition=family,
            placementConstraints=[{"type": "memberOf", "expression": "attribute:zone == " + zone}],
            **kwargs)
        self.assertEqual(answer["failures"], [], answer)
        arn = answer["tasks"][0]["taskArn"]
        self.addCleanup(self.stop_quietly, arn)
        return arn

    def stop_quietly(self, arn):
        try:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        except Exception:  # the test failed already; keep its own error
            pass

    def connected(self, agent):
        return instance_of(self.ecs, agent.instance_arn, self.cluster)["agentConnected"]

    def task(self, arn, status, **kwargs):
        return wait_for_task(self.ecs, arn, status, cluster=self.cluster, **kwargs)


class TwoAgentsTest(AgentsTestCase):

    def test_spread_by_zone_places_tasks_on_both_agents(self):
        a, b = self.agents
        self.assertNotEqual(a.instance_arn, b.instance_arn)
        self.assertEqual(sorted(self.ecs.list_container_instances(cluster=self.cluster)
                                ["containerInstanceArns"]), sorted([a.instance_arn, b.instance_arn]))
        self.assertEqual(self.ecs.list_container_instances(
            cluster=self.cluster, filter="attribute:zone == b")["containerInstanceArns"],
            [b.instance_arn])

        family = self.register([shell('echo "on $ZONE_PROBE"; exec sleep 60',
                                      environment=[{"name": "ZONE_PROBE", "value": "x"}])])
        answer = self.ecs.run_task(cluster=self.cluster, taskDefinition=family, count=4,
                                   placementStrategy=[{"type": "spread",
                                                       "field": "attribute:zone"}])
        self.assertEqual(answer["failures"], [])
        arns = [t["taskArn"] for t in answer["tasks"]]
        for arn in arns:
            self.addCleanup(self.stop_quietly, arn)
        placed = [t["containerInstanceArn"] for t in answer["tasks"]]
        self.assertEqual(sorted(placed), sorted([a.instance_arn] * 2 + [b.instance_arn] * 2))

        # Each agent runs exactly the tasks placed on it.
        by_instance = {a.instance_arn: a, b.instance_arn: b}
        for arn, instance in zip(arns, placed):
            self.task(arn, "RUNNING")
            runner = by_instance[instance]
            other = b if runner is a else a
            self.assertTrue(process_alive(runner.workload_pid(arn, "main")))
            self.assertFalse(os.path.exists(other.container_dir(arn, "main")),
                             "a task ran on the agent it was not placed on")
        for agent in (a, b):
            self.assertEqual(instance_of(self.ecs, agent.instance_arn,
                                         self.cluster)["runningTasksCount"], 2)
        counts = self.ecs.describe_clusters(clusters=[self.cluster])["clusters"][0]
        self.assertEqual(counts["registeredContainerInstancesCount"], 2)
        self.assertEqual(counts["runningTasksCount"], 4)
        for arn in arns:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        for arn in arns:
            self.assertEqual(container_of(self.task(arn, "STOPPED"), "main")["exitCode"], 143)

    def test_a_task_sees_the_gpus_placement_reserved_for_it(self):
        out = os.path.join(self.tmp, "visible")
        family = self.register([shell('echo "$NVIDIA_VISIBLE_DEVICES" > %s' % out,
                                      resourceRequirements=[{"type": "GPU", "value": "2"}])])
        arn = self.run_on(family, "a")
        task = self.task(arn, "STOPPED", timeout=15)
        reserved = container_of(task, "main")["gpuIds"]
        self.assertEqual(len(reserved), 2, task)
        self.assertTrue(set(reserved) <= set(GPUS), task)
        with open(out) as f:
            self.assertEqual(f.read().strip().split(","), reserved)

    def test_restarted_agent_reattaches_to_its_running_task(self):
        a = self.agents[0]
        family = self.register([shell("echo ready; exec sleep 60")])
        arn = self.run_on(family, "a")
        self.task(arn, "RUNNING")
        pid = a.workload_pid(arn, "main")
        instance_arn = a.instance_arn

        for restarts, how in enumerate(("SIGTERM", "SIGKILL"), start=1):
            if how == "SIGTERM":
                self.assertEqual(a.stop(), 0, "the agent did not exit cleanly on SIGTERM")
            else:
                a.kill9()
            wait_for(lambda: not self.connected(a), 10,
                     "the control plane to see the agent gone (%s)" % how)
            self.assertTrue(process_alive(pid), "the task died with its agent (%s)" % how)
            self.assertEqual(self.task(arn, "RUNNING")["desiredStatus"], "RUNNING")

            a.start()
            self.assertEqual(a.instance_arn, instance_arn, "the agent registered anew")
            wait_for(lambda: self.connected(a), 10, "the restarted agent to connect")
            self.assertEqual(a.log_text().count("reattached to task " + arn), restarts)
            self.assertEqual(a.workload_pid(arn, "main"), pid, "the task was started again")
            self.assertTrue(process_alive(pid))
            self.task(arn, "RUNNING")

        # The new agent controls the old process.
        self.ecs.stop_task(cluster=self.cluster, task=arn)
        task = self.task(arn, "STOPPED", timeout=15)
        self.assertEqual(container_of(task, "main")["exitCode"], 143)
        self.assertEqual(task["stopCode"], "UserInitiated")
        wait_for(lambda: not process_alive(pid), 5, "the workload to be gone")

    def test_cut_off_agent_reports_what_happened_when_it_is_back(self):
        b = self.agents[1]
        go = os.path.join(self.tmp, "go")
        family = self.register([shell('echo ready; while [ ! -f "$GO" ]; do sleep 0.05; done; '
                                      'exit 3', environment=[{"name": "GO", "value": go}])])
        arn = self.run_on(family, "b")
        self.task(arn, "RUNNING")
        pid = b.workload_pid(arn, "main")

        b.pause()
        self.addCleanup(b.resume)
        wait_for(lambda: not self.connected(b), 10, "agentConnected to turn false")
        self.assertTrue(process_alive(pid), "the task died while its agent was cut off")
        self.assertEqual(self.task(arn, "RUNNING")["desiredStatus"], "RUNNING")

        # The task ends while nobody watches it.
        with open(go, "w", encoding="utf-8"):
            pass
        wait_for(lambda: not process_alive(pid), 5, "the workload to exit")
        # Only the agent can report the exit, and it runs no code while stopped:
        # the control plane goes on showing the task running.
        assert_holds(lambda: b.stopped_by_signal() and describe_task(
                         self.ecs, arn, self.cluster)["lastStatus"] == "RUNNING", 0.3,
                     "the task RUNNING while its agent is stopped (who reported the stop?)")
        self.assertTrue(b.stopped_by_signal())

        b.resume()
        wait_for(lambda: self.connected(b), 15, "the agent to reconnect")
        task = self.task(arn, "STOPPED", timeout=15)
        self.assertEqual(container_of(task, "main")["exitCode"], 3)
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        # The instance carries on: it takes new work.
        again = self.run_on(self.register([shell("exit 0")]), "b")
        self.assertEqual(container_of(self.task(again, "STOPPED"), "main")["exitCode"], 0)


class DevKill9BurstTest(DevTestCase):

    def test_kill9_during_a_run_task_burst_keeps_every_acknowledged_task(self):
        family = self.unique("burst")
        self.register(family, [shell("exit 0", memory=16)])
        prefix = self.unique("tok")
        clients = [no_retry_client(self.gantry) for _ in range(BURST_THREADS)]
        acknowledged, unanswered = {}, []
        lock = threading.Lock()

        def burst(thread, ecs):
            for call in range(BURST_CALLS_PER_THREAD):
                token = "%s-%d-%d" % (prefix, thread, call)
                try:
                    # startedBy carries the token, so ListTasks can count per token.
                    answer = ecs.run_task(taskDefinition=family, clientToken=token,
                                          startedBy=token)
                except Exception:  # the server was killed under this call
                    with lock:
                        unanswered.append(token)
                    continue
                with lock:
                    acknowledged[token] = ([t["taskArn"] for t in answer["tasks"]],
                                           answer["failures"])
                time.sleep(BURST_PAUSE_S)

        threads = [threading.Thread(target=burst, args=(i, c), daemon=True)
                   for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + BURST_TIMEOUT_S
        while len(acknowledged) < KILL_AFTER_SUCCESSES and time.monotonic() < deadline:
            time.sleep(0.001)
        self.gantry.kill9()
        for thread in threads:
            thread.join(max(0.1, deadline - time.monotonic()))
            self.assertFalse(thread.is_alive(), "a burst thread hung")
        total = BURST_THREADS * BURST_CALLS_PER_THREAD
        self.assertGreaterEqual(len(acknowledged), KILL_AFTER_SUCCESSES)
        self.assertLess(len(acknowledged), total, "the burst ended before the kill")
        self.assertEqual(len(acknowledged) + len(unanswered), total)

        ecs = self.gantry.client()
        wait_for_connected_instance(ecs)
        for token, (arns, failures) in acknowledged.items():
            self.assertEqual(failures, [], token)
            self.assertEqual(len(arns), 1, token)
        acked_arns = [arns[0] for arns, _ in acknowledged.values()]
        for start in range(0, len(acked_arns), 100):
            described = ecs.describe_tasks(tasks=acked_arns[start:start + 100])
            self.assertEqual(described["failures"], [], "an acknowledged task was lost")

        def tasks_of(token):
            # A set: a task may stop between the two calls and be listed twice.
            return sorted(set(
                ecs.list_tasks(startedBy=token, desiredStatus="RUNNING")["taskArns"] +
                ecs.list_tasks(startedBy=token, desiredStatus="STOPPED")["taskArns"]))

        # Retrying an acknowledged call launches nothing new.
        for token, (arns, _) in acknowledged.items():
            retried = ecs.run_task(taskDefinition=family, clientToken=token, startedBy=token)
            self.assertEqual([t["taskArn"] for t in retried["tasks"]], arns, token)
            self.assertEqual(tasks_of(token), arns, "token %s has other tasks" % token)
        # A call that got no answer may or may not have launched its task;
        # its retry settles it, and retrying again changes nothing.
        for token in unanswered:
            first = [t["taskArn"] for t in ecs.run_task(
                taskDefinition=family, clientToken=token, startedBy=token)["tasks"]]
            second = [t["taskArn"] for t in ecs.run_task(
                taskDefinition=family, clientToken=token, startedBy=token)["tasks"]]
            self.assertEqual(len(first), 1, token)
            self.assertEqual(second, first, token)
            self.assertEqual(tasks_of(token), first, "token %s has other tasks" % token)

        # Every task runs to its end, with the agent that came back.
        all_arns = acked_arns + [tasks_of(token)[0] for token in unanswered]
        deadline = time.monotonic() + 40
        for arn in all_arns:
            task = wait_for_task(ecs, arn, "STOPPED",
                                 timeout=max(1, deadline - time.monotonic()))
            self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)


class DevShutdownTest(DevTestCase):

    def test_sigterm_right_after_start_exits_promptly(self):
        # The banner comes before the local agent has registered.
        fresh = GantryProcess()
        try:
            fresh.start()
            self.assertEqual(fresh.stop(), 0, "gantry dev did not exit cleanly on SIGTERM")
        finally:
            fresh.cleanup()

    def test_sigterm_while_tasks_report_exits_promptly_and_restarts_cleanly(self):
        family = self.unique("busy")
        self.register(family, [shell("exit 0", memory=16)])
        arns = []
        for _ in range(5):
            answer = self.ecs.run_task(taskDefinition=family, count=10)
            self.assertEqual(answer["failures"], [])
            arns += [t["taskArn"] for t in answer["tasks"]]
        # The agent is busy starting and reporting these as the signal comes.
        self.assertEqual(self.gantry.stop(), 0, "gantry dev did not exit cleanly on SIGTERM")
        self.gantry.start()
        ecs = self.gantry.client()
        self.assertEqual(wait_for_connected_instance(ecs), self.instance_arn)
        deadline = time.monotonic() + 30
        for arn in arns:
            task = wait_for_task(ecs, arn, "STOPPED", timeout=max(1, deadline - time.monotonic()))
            self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)


if __name__ == "__main__":
    unittest.main()
