"""The awslogs log driver end to end: containers whose definitions name
`awslogs` have their output shipped by the agent to CloudWatch Logs on
gantry's endpoint, read back with boto3's `logs` client and `gantry logs`,
with the process driver and the Docker driver: 20,000 numbered lines in
order and once each in the stream ECS names, filter patterns over them,
multiline events, a group that does not exist, `gantry logs -f`, and no
line lost or doubled across `kill -9` of the agent or the control plane
being down for 10 s."""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster_processes import (GantryAgent, ServerWithAgentsTestCase, container_of,  # noqa: E402
                               describe_task, shell, wait_for, wait_for_task)
from docker_support import (IMAGE, busybox, ensure_busybox_image,  # noqa: E402
                            remove_task_leftovers, require_docker)
from gantry_process import REGION, gantry_binary  # noqa: E402
from test_logs_api import logs_client  # noqa: E402

LINES = 20_000
GROUP_MISSING = ("ResourceNotFoundException: The specified log group does not exist.")


def level_of(i):
    return ("ERROR" if i % 10 == 0 else "WARN" if i % 10 == 1
            else "DEBUG" if i % 10 in (2, 3, 4) else "INFO")


def expected_line(i):
    if i % 100 == 5:
        return '{"level":"error","latency":%d,"n":%d}' % (i % 1000, i)
    return "%s line %05d" % (level_of(i), i)


def printer(count, pause_every=0):
    """A shell script printing expected_line(0..count-1), pausing 50 ms
    every `pause_every` lines when asked."""
    pause = ('[ $((i %% %d)) -eq 0 ] && sleep 0.05; ' % pause_every) if pause_every else ""
    return ("i=0; while [ $i -lt %d ]; do %s"
            "case $((i %% 10)) in 0) l=ERROR;; 1) l=WARN;; 2|3|4) l=DEBUG;; *) l=INFO;; esac; "
            "if [ $((i %% 100)) -eq 5 ]; then "
            "printf '{\"level\":\"error\",\"latency\":%%d,\"n\":%%d}\\n' $((i %% 1000)) $i; "
            "else printf '%%s line %%05d\\n' $l $i; fi; i=$((i+1)); done" % (count, pause))


def awslogs(group, prefix="app", **options):
    config = {"awslogs-group": group, "awslogs-region": REGION}
    if prefix:
        config["awslogs-stream-prefix"] = prefix
    config.update(options)
    return {"logDriver": "awslogs", "options": config}


class AwslogsShipping:
    """The cases, for a driver: the class sets `driver` and `container()`."""

    driver = "process"
    cluster = "logs-e2e"

    @classmethod
    def start_agents(cls):
        cls.ecs.create_cluster(clusterName=cls.cluster)
        cls.agent = cls.add_agent(cls.cluster, driver=cls.driver)
        cls.logs = logs_client(cls.server)

    def container(self, script, **extra):
        return shell(script, **extra)

    def run_task(self, family, script, log_configuration, **extra):
        self.ecs.register_task_definition(
            family=family,
            containerDefinitions=[self.container(script, logConfiguration=log_configuration,
                                                 **extra)])
        answer = self.ecs.run_task(cluster=self.cluster, taskDefinition=family)
        self.assertEqual(answer["failures"], [], answer)
        arn = answer["tasks"][0]["taskArn"]
        self.addCleanup(self.forget, arn)
        return arn

    def forget(self, arn):
        try:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        except Exception:  # the test already failed; do not hide that
            pass
        if self.driver == "docker":
            remove_task_leftovers([arn])

    def group(self, stem):
        name = "/ecs/%s-%s-%d" % (stem, self.driver, time.monotonic_ns())
        self.logs.create_log_group(logGroupName=name)
        return name

    def all_events(self, group, stream):
        """GetLogEvents from the head, page by page, until the token repeats."""
        events, token = [], None
        for _ in range(1000):
            kwargs = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
            if token:
                kwargs["nextToken"] = token
            page = self.logs.get_log_events(**kwargs)
            events += page["events"]
            if page["nextForwardToken"] == token:
                return events
            token = page["nextForwardToken"]
        raise AssertionError("GetLogEvents never ended")

    def filtered(self, group, pattern):
        messages, token = [], None
        for _ in range(1000):
            kwargs = {"logGroupName": group, "filterPattern": pattern}
            if token:
                kwargs["nextToken"] = token
            page = self.logs.filter_log_events(**kwargs)
            messages += [e["message"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                return messages
        raise AssertionError("FilterLogEvents never ended")

    def wait_for_lines(self, group, stream, count, timeout=60):
        def arrived():
            try:
                events = self.all_events(group, stream)
            except self.logs.exceptions.ResourceNotFoundException:
                return None
            return events if len(events) >= count else None
        return wait_for(arrived, timeout, "%d lines in %s" % (count, stream), interval=0.5)

    def assert_numbered_once_in_order(self, events, count):
        self.assertEqual([e["message"] for e in events], [expected_line(i) for i in range(count)])

    # -- the cases ----------------------------------------------------------------------

    def test_twenty_thousand_lines_in_order_once_each_and_filtered(self):
        group = self.group("numbered")
        arn = self.run_task("numbered-" + self.driver, printer(LINES), awslogs(group))
        task = wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster, timeout=60)
        self.assertEqual(container_of(task, "main").get("exitCode"), 0, task)
        stream = "app/main/" + arn.rsplit("/", 1)[1]
        streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in streams], [stream])
        events = self.wait_for_lines(group, stream, LINES)
        self.assert_numbered_once_in_order(events, LINES)

        lines = [expected_line(i) for i in range(LINES)]
        plain = [line for line in lines if not line.startswith("{")]
        self.assertEqual(self.filtered(group, "ERROR"), [l for l in plain if "ERROR" in l])
        self.assertEqual(self.filtered(group, "?ERROR ?WARN"),
                         [l for l in plain if "ERROR" in l or "WARN" in l])
        self.assertEqual(self.filtered(group, "-DEBUG"), [l for l in lines if "DEBUG" not in l])
        self.assertEqual(self.filtered(group, '{ $.level = "error" && $.latency > 500 }'),
                         [expected_line(i) for i in range(LINES)
                          if i % 100 == 5 and i % 1000 > 500])

    def test_a_multiline_pattern_groups_lines_into_events(self):
        group = self.group("multiline")
        script = ("printf 'INFO start\\nINFO one\\n  at a\\n  at b\\nINFO two\\n'; sleep 1")
        arn = self.run_task("multiline-" + self.driver, script,
                            awslogs(group, **{"awslogs-multiline-pattern": "INFO"}))
        wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster, timeout=30)
        stream = "app/main/" + arn.rsplit("/", 1)[1]
        events = self.wait_for_lines(group, stream, 3)
        self.assertEqual([e["message"] for e in events],
                         ["INFO start\n", "INFO one\n  at a\n  at b\n", "INFO two\n"])

    def test_a_missing_group_stops_the_task_with_ecs_reason(self):
        group = "/ecs/never-made-%d" % time.monotonic_ns()
        arn = self.run_task("missing-group-" + self.driver, "echo hello", awslogs(group))
        task = wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster, timeout=30)
        self.assertIn(GROUP_MISSING, container_of(task, "main").get("reason", ""), task)
        self.assertIn(GROUP_MISSING, task.get("stoppedReason", ""), task)

    def test_create_group_makes_it_and_no_prefix_names_the_stream_by_container(self):
        group = "/ecs/made-%s-%d" % (self.driver, time.monotonic_ns())
        arn = self.run_task("create-group-" + self.driver, "echo made",
                            awslogs(group, prefix=None, **{"awslogs-create-group": "true"}))
        task = wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster, timeout=30)
        runtime_id = container_of(task, "main")["runtimeId"]
        events = self.wait_for_lines(group, runtime_id, 1)
        self.assertEqual([e["message"] for e in events], ["made"])

    def test_gantry_logs_follows_a_task_until_it_stops(self):
        group = self.group("follow")
        script = "i=0; while [ $i -lt 30 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done"
        arn = self.run_task("follow-" + self.driver, script, awslogs(group))
        command = [gantry_binary(), "logs", arn, "--cluster", self.cluster, "-f",
                   "--endpoint", self.server.endpoint]
        env = dict(os.environ, **self.server.cli_env())
        errors = tempfile.TemporaryFile(mode="w+")
        follower = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors,
                                    text=True)
        watchdog = threading.Timer(45, follower.kill)  # bounds the reads below
        watchdog.start()
        try:
            first = follower.stdout.readline()
            # New lines show while the task still prints.
            self.assertEqual(describe_task(self.ecs, arn, self.cluster)["lastStatus"], "RUNNING")
            rest = follower.stdout.read()  # until gantry logs ends
            follower.wait()
        finally:
            watchdog.cancel()
            follower.kill()
            follower.wait()
        errors.seek(0)
        self.assertEqual(follower.returncode, 0, errors.read())
        stream = "app/main/" + arn.rsplit("/", 1)[1]
        printed = (first + rest).splitlines()
        self.assertEqual(len(printed), 30, first + rest)
        for i, line in enumerate(printed):
            # aws logs tail's format: the time, the stream, the message.
            self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00 %s tick %d$"
                             % (re.escape(stream), i))
        again = subprocess.run(command[:-3] + ["--filter", "?tick", "--endpoint",
                                               self.server.endpoint],
                               env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(again.stdout.splitlines(), printed, again.stderr)

    def start_printing(self, stem, count, pause_every):
        """A task printing `count` numbered lines slowly, once its first
        lines have arrived: (group, task ARN, stream)."""
        group = self.group(stem)
        arn = self.run_task("%s-%s" % (stem, self.driver), printer(count, pause_every),
                            awslogs(group))
        stream = "app/main/" + arn.rsplit("/", 1)[1]
        self.wait_for_lines(group, stream, 100)
        return group, arn, stream

    def test_kill9_of_the_agent_loses_no_line_and_doubles_none(self):
        count = 3000
        group, arn, stream = self.start_printing("kill9", count, pause_every=50)
        self.agent.kill9()
        time.sleep(0.5)  # the task prints on while no agent reads it
        self.agent.start()
        wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster, timeout=60)
        events = self.wait_for_lines(group, stream, count)
        time.sleep(1)  # nothing more may come
        self.assert_numbered_once_in_order(self.all_events(group, stream), count)
        self.assertEqual(len(events), count)

    def test_a_control_plane_down_for_ten_seconds_loses_no_line(self):
        count = 4000
        group, arn, stream = self.start_printing("outage", count, pause_every=20)
        self.server.stop()
        time.sleep(10)
        self.server.start()
        self.agent.wait_connected()
        wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster, timeout=60)
        self.wait_for_lines(group, stream, count)
        time.sleep(1)
        self.assert_numbered_once_in_order(self.all_events(group, stream), count)


class ProcessDriverAwslogsTest(AwslogsShipping, ServerWithAgentsTestCase):
    driver = "process"


class DockerDriverAwslogsTest(AwslogsShipping, ServerWithAgentsTestCase):
    driver = "docker"

    @classmethod
    def start_agents(cls):
        require_docker()
        ensure_busybox_image()
        super().start_agents()

    def container(self, script, **extra):
        return busybox(script, **extra)


