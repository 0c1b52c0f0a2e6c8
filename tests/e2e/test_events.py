"""The event stream end to end: a real `gantry server` and `gantry agent`,
read with `gantry events` and with a boto3-signed StreamEvents request.

A task's lifecycle arrives as "ECS Task State Change" events with a rising
detail.version; an agent that goes away and comes back arrives as
"ECS Container Instance State Change" events; a stream resumed from a
revision replays exactly the events after it; a pattern filters.
"""
import http.client
import json
import os
import subprocess
import threading
import unittest
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cluster_processes import (GantryAgent, GantryServer, PrintsLogsOnFailure, shell, wait_for,
                               wait_for_task)
from gantry_process import REGION, TARGET_PREFIX

STREAM_TIMEOUT_S = 30


class EventsTest(PrintsLogsOnFailure, unittest.TestCase):

    server = None
    agent = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = GantryServer(agent_idle_timeout_s=2).start()
        try:
            cls.ecs = cls.server.client()
            cls.cluster = "events-%d" % os.getpid()
            cls.ecs.create_cluster(clusterName=cls.cluster)
            cls.agent = GantryAgent(cls.server, cls.cluster).start()
            cls.ecs.register_task_definition(
                family="events", containerDefinitions=[shell("sleep 0.3; exit 4")])
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.agent:
            cls.agent.cleanup()
        if cls.server:
            cls.server.cleanup()
        super().tearDownClass()

    def logged_processes(self):
        return [("server", self.server), ("agent", self.agent)]

    # The stream over HTTP, signed by botocore as any AWS client signs.
    def open_stream(self, body):
        payload = json.dumps(body)
        request = AWSRequest(method="POST", url=self.server.endpoint + "/", data=payload,
                             headers={"X-Amz-Target": TARGET_PREFIX + "StreamEvents",
                                      "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(self.server.access_key, self.server.secret_key), "ecs",
                  REGION).add_auth(request)
        url = urllib.parse.urlparse(self.server.endpoint)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=STREAM_TIMEOUT_S)
        connection.request("POST", "/", body=payload, headers=dict(request.headers))
        response = connection.getresponse()
        self.addCleanup(connection.close)
        return response

    def read_events(self, body):
        """An unfollowed stream, read to its end: its events, heartbeats left out."""
        response = self.open_stream(dict(body, follow=False))
        text = response.read().decode()
        self.assertEqual(response.status, 200, text)
        self.assertEqual(response.getheader("Content-Type"), "application/x-ndjson")
        return [json.loads(line) for line in text.splitlines() if line.strip() != "{}"]

    def run_task_to_stopped(self):
        answer = self.ecs.run_task(cluster=self.cluster, taskDefinition="events")
        arn = answer["tasks"][0]["taskArn"]
        wait_for_task(self.ecs, arn, "STOPPED", cluster=self.cluster)
        return arn

    @staticmethod
    def of_task(events, arn):
        return [e for e in events if e["detail-type"] == "ECS Task State Change"
                and e["resources"] == [arn]]

    def assertLifecycle(self, events, arn):
        mine = self.of_task(events, arn)
        statuses = []
        for event in mine:
            if not statuses or statuses[-1] != event["detail"]["lastStatus"]:
                statuses.append(event["detail"]["lastStatus"])
        self.assertEqual([s for s in statuses if s in ("PENDING", "RUNNING", "STOPPED")],
                         ["PENDING", "RUNNING", "STOPPED"], mine)
        versions = [e["detail"]["version"] for e in mine]
        self.assertEqual(versions, sorted(set(versions)), "detail.version must rise")
        for event in mine:
            self.assertEqual(event["source"], "aws.ecs")
            self.assertEqual(event["region"], REGION)
            self.assertEqual(event["detail"]["taskArn"], arn)
        stopped = mine[-1]["detail"]
        self.assertEqual(stopped["containers"][0]["exitCode"], 4)
        return mine

    def test_gantry_events_follows_a_task_from_pending_to_stopped(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.server.access_key,
                   AWS_SECRET_ACCESS_KEY=self.server.secret_key)
        # Following from the last revision seen so far: what happens after it
        # is sent however late the follower's request reaches the server.
        after = max(e["revision"] for e in self.read_events({}))
        follower = subprocess.Popen(
            [self.server.binary, "events", "-f", "--endpoint", self.server.endpoint,
             "--from-revision", str(after),
             "--pattern", json.dumps({"detail-type": ["ECS Task State Change"]})],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.addCleanup(follower.kill)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(follower.stdout), daemon=True)
        reader.start()
        arn = self.run_task_to_stopped()
        def stopped_seen():
            return any(json.loads(l)["detail"]["lastStatus"] == "STOPPED"
                       for l in list(lines) if l.strip() and arn in l)
        wait_for(stopped_seen, STREAM_TIMEOUT_S, "gantry events to print the STOPPED event")
        follower.terminate()
        self.assertEqual(follower.wait(10), 0, follower.stderr.read())
        self.assertLifecycle([json.loads(l) for l in lines if l.strip()], arn)

    def test_a_resumed_stream_replays_exactly_the_events_after_its_revision(self):
        arn = self.run_task_to_stopped()
        everything = self.read_events({})
        mine = self.assertLifecycle(everything, arn)
        resume = mine[1]["revision"]
        replayed = self.read_events({"fromRevision": resume})
        self.assertEqual(replayed, [e for e in everything if e["revision"] > resume])
        self.assertTrue(replayed)

    def test_a_pattern_delivers_only_what_it_matches(self):
        arn = self.run_task_to_stopped()
        pattern = {"detail": {"lastStatus": ["STOPPED"]}}
        stopped = self.read_events({"eventPattern": json.dumps(pattern)})
        self.assertTrue(stopped)
        self.assertTrue(all(e["detail"]["lastStatus"] == "STOPPED" for e in stopped), stopped)
        self.assertTrue(self.of_task(stopped, arn))

    def test_an_agent_that_goes_and_comes_back_is_two_instance_state_changes(self):
        start = self.read_events({})
        after = max([e["revision"] for e in start], default=0)
        self.agent.kill9()
        instance = self.agent.instance_arn
        def connection_events():
            return [e["detail"]["agentConnected"] for e in self.read_events({"fromRevision": after})
                    if e["detail-type"] == "ECS Container Instance State Change"
                    and e["resources"] == [instance]]
        wait_for(lambda: False in connection_events(), STREAM_TIMEOUT_S,
                 "the instance's disconnect as an event")
        self.agent.start()
        wait_for(lambda: connection_events()[-1:] == [True], STREAM_TIMEOUT_S,
                 "the instance's reconnect as an event")
        changes = connection_events()
        self.assertEqual(changes[changes.index(False):][-2:], [False, True], changes)

    def test_refusals_are_in_the_apis_shape(self):
        response = self.open_stream({"fromRevision": 10 ** 12})
        self.assertEqual(response.status, 400)
        error = json.loads(response.read())
        self.assertEqual(error["__type"], "InvalidParameterException")
        self.assertIn("ahead of the store", error["message"])
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.server.access_key,
                   AWS_SECRET_ACCESS_KEY=self.server.secret_key)
        done = subprocess.run([self.server.binary, "events", "--endpoint", self.server.endpoint,
                               "--pattern", '{"detail": "STOPPED"}'],
                              capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(done.returncode, 1)
        self.assertIn("Event pattern is not valid", done.stderr)


if __name__ == "__main__":
    unittest.main()
