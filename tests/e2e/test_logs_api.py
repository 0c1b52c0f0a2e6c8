"""The CloudWatch Logs API on gantry's endpoint, driven by boto3's `logs`
client and `aws logs` with the same endpoint and keys as ECS: groups and
streams, 20,000 events in and back out (forward and backward, once each, in
order), filter patterns, retention, a restart, and CloudWatch's errors."""
import json
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from gantry_process import CLI_TIMEOUT_S, REGION, ClientError, GantryTestCase

EVENTS = 20_000
BATCH = 10_000
DAY_MS = 86_400_000


def level_of(i):
    return ("ERROR" if i % 10 == 0 else "WARN" if i % 10 == 1
            else "DEBUG" if i % 10 in (2, 3, 4) else "INFO")


def line(i):
    return "%s event %05d" % (level_of(i), i)


def now_ms():
    return int(time.time() * 1000)


def logs_client(gantry):
    """A boto3 `logs` client for `gantry` that does not retry."""
    return boto3.client(
        "logs", endpoint_url=gantry.endpoint, region_name=REGION,
        aws_access_key_id=gantry.access_key, aws_secret_access_key=gantry.secret_key,
        config=Config(retries={"max_attempts": 1, "mode": "standard"},
                      connect_timeout=5, read_timeout=60))


class LogsApiTest(GantryTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = logs_client(cls.gantry)

    def aws_logs(self, *args):
        """`aws logs <args>`: the parsed JSON output, or the CompletedProcess on failure."""
        command = ["aws", "logs", "--endpoint-url", self.gantry.endpoint, "--output", "json",
                   *args]
        done = subprocess.run(command, env=self.gantry.cli_env(), capture_output=True,
                              text=True, timeout=CLI_TIMEOUT_S)
        if done.returncode != 0:
            return done
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def make_stream(self, group, stream):
        try:
            self.logs.create_log_group(logGroupName=group)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)

    def put_numbered(self, group, stream):
        start = now_ms() - EVENTS
        for first in range(0, EVENTS, BATCH):
            response = self.logs.put_log_events(
                logGroupName=group, logStreamName=stream, sequenceToken="anything",
                logEvents=[{"timestamp": start + i, "message": line(i)}
                           for i in range(first, first + BATCH)])
            self.assertIn("nextSequenceToken", response)
            self.assertNotIn("rejectedLogEventsInfo", response)

    def read_all(self, group, stream, forward):
        """Every event of the stream, paged with GetLogEvents' tokens."""
        kwargs = {"logGroupName": group, "logStreamName": stream, "startFromHead": forward}
        token_name = "nextForwardToken" if forward else "nextBackwardToken"
        pages, messages, token = 0, [], None
        while True:
            response = self.logs.get_log_events(**kwargs)
            page = [e["message"] for e in response["events"]]
            messages = messages + page if forward else page + messages
            pages += 1
            self.assertLess(pages, 10, "paging never ended")
            if response[token_name] == token:
                self.assertEqual(page, [], "the end of the stream answers the same token")
                return messages, pages
            token = response[token_name]
            kwargs["nextToken"] = token

    def filter(self, group, **kwargs):
        paginator = self.logs.get_paginator("filter_log_events")
        events = []
        for page in paginator.paginate(logGroupName=group, **kwargs):
            events += page["events"]
        return events

    # -- the tests ---------------------------------------------------------

    def test_20000_events_round_trip_filter_and_survive_a_restart(self):
        group, stream = self.unique("/ecs/web"), "web/main/1"
        self.make_stream(group, stream)
        self.put_numbered(group, stream)
        expected = [line(i) for i in range(EVENTS)]

        forward, pages = self.read_all(group, stream, forward=True)
        self.assertEqual(forward, expected)
        self.assertEqual(pages, 3)  # two full pages of 10,000, then the end
        backward, _ = self.read_all(group, stream, forward=False)
        self.assertEqual(backward, expected)

        errors = self.filter(group, filterPattern="ERROR")
        self.assertEqual([e["message"] for e in errors],
                         [line(i) for i in range(EVENTS) if level_of(i) == "ERROR"])
        self.assertEqual(len({e["eventId"] for e in errors}), len(errors))
        self.assertEqual(len(self.filter(group, filterPattern="?ERROR ?WARN")),
                         sum(1 for i in range(EVENTS) if level_of(i) in ("ERROR", "WARN")))
        self.assertEqual(len(self.filter(group, filterPattern="-DEBUG")),
                         sum(1 for i in range(EVENTS) if level_of(i) != "DEBUG"))
        # The same ids again: eventIds are stable.
        self.assertEqual([e["eventId"] for e in self.filter(group, filterPattern="ERROR")],
                         [e["eventId"] for e in errors])

        cli = self.assertCliOk(self.aws_logs("filter-log-events", "--log-group-name", group,
                                             "--filter-pattern", "WARN"))
        self.assertEqual(len(cli["events"]), EVENTS // 10)

        streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
        self.assertEqual(len(streams), 1)
        self.assertEqual(streams[0]["storedBytes"], 0)
        self.assertLessEqual(streams[0]["firstEventTimestamp"], streams[0]["lastEventTimestamp"])
        stored = self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
        self.assertEqual(stored["storedBytes"], sum(len(m) for m in expected))

        self.gantry.restart()
        type(self).logs = logs_client(self.gantry)
        again, _ = self.read_all(group, stream, forward=True)
        self.assertEqual(again, expected)
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0],
                         stored)

    def test_json_filter_patterns(self):
        group, stream = self.unique("/ecs/api"), "api"
        self.make_stream(group, stream)
        start = now_ms() - 1000
        events = [{"timestamp": start + i,
                   "message": json.dumps({"level": "error" if i % 3 == 0 else "info",
                                          "latency": i * 10, "path": "/v1/item/%d" % i})}
                  for i in range(100)]
        events.append({"timestamp": start + 100, "message": "not json at all: error"})
        self.logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        matched = self.filter(group, filterPattern='{ $.level = "error" && $.latency > 500 }')
        self.assertEqual([json.loads(e["message"])["latency"] for e in matched],
                         [i * 10 for i in range(100) if i % 3 == 0 and i * 10 > 500])
        wildcard = self.filter(group, filterPattern='{ $.path = "/v1/item/9*" }')
        self.assertEqual(len(wildcard), 11)  # 9 and 90..99
        self.assertEqual(len(self.filter(group, filterPattern="{ $.missing NOT EXISTS }")), 100)
        # startTime included, endTime included.
        self.assertEqual(len(self.filter(group, startTime=start + 10, endTime=start + 19)), 10)

    def test_retention_drops_old_events(self):
        group, stream = self.unique("/ecs/retained"), "s"
        self.make_stream(group, stream)
        old = now_ms() - 10 * DAY_MS
        self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                 logEvents=[{"timestamp": old + i, "message": "old %d" % i}
                                            for i in range(5)])
        fresh = now_ms()
        self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                 logEvents=[{"timestamp": fresh + i, "message": "new %d" % i}
                                            for i in range(5)])
        self.assertCliOk(self.aws_logs("put-retention-policy", "--log-group-name", group,
                                       "--retention-in-days", "7"))
        left = self.logs.get_log_events(logGroupName=group, logStreamName=stream,
                                        startFromHead=True)["events"]
        self.assertEqual([e["message"] for e in left], ["new %d" % i for i in range(5)])
        described = self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
        self.assertEqual(described["retentionInDays"], 7)
        self.assertEqual(described["storedBytes"], 25)
        # Older than the policy now: expired, reported, not kept.
        response = self.logs.put_log_events(
            logGroupName=group, logStreamName=stream,
            logEvents=[{"timestamp": old, "message": "late"},
                       {"timestamp": now_ms() + 3 * 3_600_000, "message": "early"}])
        self.assertEqual(response["rejectedLogEventsInfo"],
                         {"expiredLogEventEndIndex": 1, "tooNewLogEventStartIndex": 1})
        self.logs.delete_retention_policy(logGroupName=group)
        self.assertNotIn("retentionInDays",
                         self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0])

    def test_groups_streams_and_tags_through_the_cli(self):
        group = self.unique("/cli/group")
        self.assertCliOk(self.aws_logs("create-log-group", "--log-group-name", group,
                                       "--tags", "team=logs"))
        for name in ("b", "a", "c"):
            self.assertCliOk(self.aws_logs("create-log-stream", "--log-group-name", group,
                                           "--log-stream-name", name))
        put = self.assertCliOk(self.aws_logs(
            "put-log-events", "--log-group-name", group, "--log-stream-name", "b",
            "--log-events", "timestamp=%d,message=hello" % now_ms()))
        self.assertIn("nextSequenceToken", put)
        listed = self.assertCliOk(self.aws_logs("describe-log-streams", "--log-group-name", group))
        self.assertEqual([s["logStreamName"] for s in listed["logStreams"]], ["a", "b", "c"])
        by_time = self.logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                                 descending=True, limit=1)
        self.assertEqual(by_time["logStreams"][0]["logStreamName"], "b")
        self.assertIn("nextToken", by_time)
        arn = self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupArn"]
        self.logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"team": "logs", "env": "dev"})
        self.logs.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName=group)["tags"], {"env": "dev"})
        # Pagination of groups with a prefix.
        for i in range(3):
            self.logs.create_log_group(logGroupName="%s/sub%d" % (group, i))
        paginator = self.logs.get_paginator("describe_log_groups")
        names = [g["logGroupName"] for page in paginator.paginate(
            logGroupNamePrefix=group + "/", PaginationConfig={"PageSize": 2})
            for g in page["logGroups"]]
        self.assertEqual(names, ["%s/sub%d" % (group, i) for i in range(3)])
        self.assertCliOk(self.aws_logs("delete-log-stream", "--log-group-name", group,
                                       "--log-stream-name", "a"))
        self.assertCliOk(self.aws_logs("delete-log-group", "--log-group-name", group))
        self.assertCliFailed(self.aws_logs("describe-log-streams", "--log-group-name", group),
                             "ResourceNotFoundException")

    def test_errors_are_cloudwatch_logs_errors(self):
        group, stream = self.unique("/errors"), "s"
        self.make_stream(group, stream)
        missing = self.assertClientError("ResourceNotFoundException", self.logs.get_log_events,
                                         logGroupName="/nope", logStreamName="s")
        self.assertEqual(missing["Error"]["Message"], "The specified log group does not exist.")
        missing = self.assertClientError("ResourceNotFoundException", self.logs.put_log_events,
                                         logGroupName=group, logStreamName="nope",
                                         logEvents=[{"timestamp": now_ms(), "message": "m"}])
        self.assertEqual(missing["Error"]["Message"], "The specified log stream does not exist.")
        exists = self.assertClientError("ResourceAlreadyExistsException",
                                        self.logs.create_log_group, logGroupName=group)
        self.assertEqual(exists["Error"]["Message"], "The specified log group already exists")
        self.assertClientError("ResourceAlreadyExistsException", self.logs.create_log_stream,
                               logGroupName=group, logStreamName=stream)
        disorder = self.assertClientError(
            "InvalidParameterException", self.logs.put_log_events, logGroupName=group,
            logStreamName=stream, logEvents=[{"timestamp": now_ms(), "message": "b"},
                                             {"timestamp": now_ms() - 5, "message": "a"}])
        self.assertIn("chronological order", disorder["Error"]["Message"])
        self.assertClientError("InvalidParameterException", self.logs.put_log_events,
                               logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": now_ms() - 2 * DAY_MS, "message": "a"},
                                          {"timestamp": now_ms(), "message": "b"}])
        self.assertClientError("InvalidParameterException", self.logs.put_log_events,
                               logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": now_ms(), "message": "x" * 1_048_551}])
        self.assertClientError("InvalidParameterException", self.logs.put_retention_policy,
                               logGroupName=group, retentionInDays=2)
        self.assertClientError("InvalidParameterException", self.logs.get_log_events,
                               logGroupName=group, logStreamName=stream, nextToken="f/forged")
        self.assertClientError("InvalidParameterException", self.logs.filter_log_events,
                               logGroupName=group, filterPattern="{ $.level = ")
        self.assertClientError("InvalidParameterException", self.logs.describe_log_streams,
                               logGroupName=group, orderBy="LastEventTime",
                               logStreamNamePrefix="s")
        # 50 tags a request at most (the model's rule), 50 a group (the service's).
        self.logs.tag_log_group(logGroupName=group, tags={"a%d" % i: "v" for i in range(30)})
        self.assertClientError("TooManyTagsException", self.logs.tag_log_group,
                               logGroupName=group, tags={"b%d" % i: "v" for i in range(30)})
        self.assertEqual(len(self.logs.list_tags_log_group(logGroupName=group)["tags"]), 30)
        # The model's own rules: a group name with a bad character.
        self.assertClientError("InvalidParameterException", self.logs.create_log_group,
                               logGroupName="bad name!")
        # A Logs call signed for ECS's scope is refused.
        status, body = self.signed_call("Logs_20140328.DescribeLogGroups", {}, signing_name="ecs")
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "InvalidSignatureException")
        status, body = self.signed_call("Logs_20140328.DescribeLogGroups", {}, signing_name="logs")
        self.assertEqual(status, 200)

    def signed_call(self, target, payload, signing_name):
        """POSTs `payload` to `target`, SigV4-signed for `signing_name`'s scope."""
        request = AWSRequest(method="POST", url=self.gantry.endpoint + "/",
                             data=json.dumps(payload).encode(),
                             headers={"X-Amz-Target": target,
                                      "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(self.gantry.access_key, self.gantry.secret_key), signing_name,
                  REGION).add_auth(request)
        http = urllib.request.Request(request.url, data=request.body, method="POST",
                                      headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(http, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def test_ecs_still_answers_beside_logs(self):
        self.assertIn("clusterArns", self.ecs.list_clusters())


class LogGroupCapTest(GantryTestCase):
    """`--log-group-max-bytes`: a group keeps its newest events within the cap."""

    @classmethod
    def gantry_args(cls):
        return ["--log-group-max-bytes", "1000"]

    def test_the_oldest_events_go_first(self):
        logs = logs_client(self.gantry)
        logs.create_log_group(logGroupName="/capped")
        logs.create_log_stream(logGroupName="/capped", logStreamName="s")
        start = now_ms() - 1000
        for batch in range(5):  # 5 x 50 events of 10 bytes: 2,500 bytes in all
            logs.put_log_events(logGroupName="/capped", logStreamName="s", logEvents=[
                {"timestamp": start + batch * 50 + i, "message": "event %04d" % (batch * 50 + i)}
                for i in range(50)])
        kept = [e["message"] for e in logs.get_log_events(
            logGroupName="/capped", logStreamName="s", startFromHead=True)["events"]]
        self.assertEqual(kept, ["event %04d" % i for i in range(150, 250)])
        self.assertEqual(logs.describe_log_groups()["logGroups"][0]["storedBytes"], 1000)


if __name__ == "__main__":
    unittest.main()
