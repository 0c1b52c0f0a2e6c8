"""A real `gantry dev` process for the end-to-end tests, and clients for it.

GantryProcess starts the binary named by $GANTRY_BIN in a fresh data
directory on a free port, reads the endpoint and the access keys from its
banner, and hands out boto3 clients and an `aws ecs` CLI runner. Its output
is drained to a log file by a thread, so a chatty server never blocks on a
full pipe; GantryTestCase prints that log when a test fails. Every wait is
bounded: a hung server fails the test instead of hanging the suite.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
CLI_TIMEOUT_S = 60
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."

_ENDPOINT_LINE = re.compile(r"^\s*endpoint:\s+(http://\S+)\s*$")
_EXPORT_LINE = re.compile(r"^\s*export (AWS_[A-Z_]+)=(\S+)\s*$")


def gantry_binary():
    path = os.environ.get("GANTRY_BIN") or shutil.which("gantry")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set GANTRY_BIN to the gantry binary (got %r)" % path)
    return path


class LoggedProcess:
    """A process whose output goes to `self.log_path` under `self._log_lock`."""

    def _append_log(self, text):
        with self._log_lock, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(text)

    def log_text(self):
        with self._log_lock:
            try:
                with open(self.log_path, encoding="utf-8") as log:
                    return log.read()
            except FileNotFoundError:
                return ""


class GantryProcess(LoggedProcess):
    """One `gantry dev` (or, with command="server", `gantry server`) process
    with its own data directory; extra_args go after the usual flags."""

    def __init__(self, account_id=None, data_dir=None, command="dev", extra_args=()):
        self.binary = gantry_binary()
        self.account_id = account_id
        self.command = command  # "dev" (with a local agent) or "server"
        self.extra_args = list(extra_args)
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="gantry-e2e-")
        self.log_path = os.path.join(self.data_dir, "gantry-e2e.log")
        self.port = 0
        self.endpoint = None
        self.access_key = None
        self.secret_key = None
        self._process = None
        self._drainer = None
        self._banner = {}
        self._ready = threading.Event()
        self._log_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        """Starts the server (on the port of the last run, if any) and waits for its banner."""
        args = [self.binary, self.command, "--listen", "127.0.0.1:%d" % self.port,
                "--data-dir", self.data_dir]
        if self.account_id:
            args += ["--account-id", self.account_id]
        # A Docker engine runs on test machines; suites that test Docker ask
        # for it, the rest run containers as processes.
        if self.command == "dev" and "--driver" not in self.extra_args:
            args += ["--driver", "process"]
        # Tests run many agents on one machine: any free metadata port.
        if self.command == "dev" and "--metadata-port" not in self.extra_args:
            args += ["--metadata-port", "0"]
        args += self.extra_args
        self._banner = {}
        self._ready = threading.Event()
        self._append_log("=== start: %s\n" % " ".join(args))
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
        self._drainer = threading.Thread(target=self._drain, args=(self._process,), daemon=True)
        self._drainer.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._ready.wait(0.05):
            if self._process.poll() is not None:
                self._drainer.join(2)
                raise RuntimeError("gantry exited with %s before listening:\n%s"
                                   % (self._process.returncode, self.log_text()))
            if time.monotonic() > deadline:
                self._process.kill()
                self._process.wait(STOP_TIMEOUT_S)
                raise RuntimeError("gantry printed no banner in %d s:\n%s"
                                   % (START_TIMEOUT_S, self.log_text()))
        self.endpoint = self._banner["endpoint"]
        self.port = int(self.endpoint.rsplit(":", 1)[1])
        self.access_key = self._banner["AWS_ACCESS_KEY_ID"]
        self.secret_key = self._banner["AWS_SECRET_ACCESS_KEY"]
        return self

    def stop(self):
        """SIGTERM, then waits (bounded) for the exit; returns the exit code."""
        if not self.running():
            return self._process.returncode if self._process else None
        self._process.send_signal(signal.SIGTERM)
        try:
            code = self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT_S)
            raise RuntimeError("gantry did not exit within %d s of SIGTERM" % STOP_TIMEOUT_S)
        finally:
            self._drainer.join(STOP_TIMEOUT_S)
        self._append_log("=== stopped: exit %s\n" % code)
        return code

    def restart(self):
        """A clean restart on the same port and data directory."""
        self.stop()
        return self.start()

    def kill9(self):
        """SIGKILL (no chance to flush anything), then starts again in place."""
        if self.running():
            self._process.kill()
            self._process.wait(STOP_TIMEOUT_S)
            self._drainer.join(STOP_TIMEOUT_S)
            self._append_log("=== killed with SIGKILL\n")
        return self.start()

    def running(self):
        return self._process is not None and self._process.poll() is None

    def pid(self):
        return self._process.pid

    def cleanup(self):
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- output --------------------------------------------------------------

    def _drain(self, process):
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self._append_log(line)
            match = _ENDPOINT_LINE.match(line)
            if match:
                self._banner["endpoint"] = match.group(1)
            match = _EXPORT_LINE.match(line)
            if match:
                self._banner[match.group(1)] = match.group(2)
            if {"endpoint", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_DEFAULT_REGION"} <= self._banner.keys():
                self._ready.set()
        process.stdout.close()

    # -- clients ---------------------------------------------------------------

    def client(self, region=REGION, access_key=None, secret_key=None):
        """A boto3 ECS client that does not retry, so every error is seen once."""
        return boto3.client(
            "ecs", endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(retries={"max_attempts": 1, "mode": "standard"},
                          connect_timeout=5, read_timeout=30))

    def gantry_call(self, operation, payload, region=REGION):
        """One of gantry's own operations on the ECS endpoint (botocore's model
        has none of them), SigV4-signed as boto3 signs ECS's: the parsed
        answer, or a ClientError with the error's __type and message."""
        request = AWSRequest(method="POST", url=self.endpoint + "/",
                             data=json.dumps(payload).encode(),
                             headers={"X-Amz-Target": TARGET_PREFIX + operation,
                                      "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(self.access_key, self.secret_key), "ecs", region).add_auth(request)
        http = urllib.request.Request(request.url, data=request.body, method="POST",
                                      headers=dict(request.headers.items()))
        try:
            with urllib.request.urlopen(http, timeout=CLI_TIMEOUT_S) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            body = json.loads(error.read() or b"{}")
            code = body.get("__type", str(error.code)).split("#")[-1]
            raise ClientError({"Error": {"Code": code, "Message": body.get("message", "")}},
                              operation) from None

    def cli_env(self, region=REGION):
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
        })
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        return env

    def aws(self, *args, region=REGION):
        """Runs `aws ecs <args>`: the parsed JSON output, or the CompletedProcess on failure."""
        command = ["aws", "ecs", "--endpoint-url", self.endpoint, "--output", "json", *args]
        done = subprocess.run(command, env=self.cli_env(region), capture_output=True, text=True,
                              timeout=CLI_TIMEOUT_S)
        if done.returncode != 0:
            return done
        return json.loads(done.stdout) if done.stdout.strip() else {}


class GantryTestCase(unittest.TestCase):
    """One gantry per test class; its log is printed when a test fails."""

    gantry = None
    ecs = None

    @classmethod
    def gantry_args(cls):
        """Arguments the class's gantry gets after the usual ones."""
        return []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gantry = GantryProcess(extra_args=cls.gantry_args()).start()
        cls.ecs = cls.gantry.client()

    @classmethod
    def tearDownClass(cls):
        if cls.gantry:
            cls.gantry.cleanup()
        super().tearDownClass()

    def run(self, result=None):
        before = (len(result.failures), len(result.errors)) if result else None
        outcome = super().run(result)
        if result is not None and (len(result.failures), len(result.errors)) != before \
                and self.gantry is not None:
            tail = self.gantry.log_text()[-8000:]
            sys.stderr.write("\n--- gantry log (%s), last 8000 chars ---\n%s--- end of log ---\n"
                             % (self.id(), tail))
        return outcome

    def unique(self, stem):
        """A name no other test of the class uses."""
        GantryTestCase._counter = getattr(GantryTestCase, "_counter", 0) + 1
        return "%s-%d-%d" % (stem, os.getpid() % 10000, GantryTestCase._counter)

    def assertClientError(self, code, call, *args, **kwargs):
        """Calls call(*args, **kwargs), which must fail with the ECS error `code`."""
        with self.assertRaises(ClientError) as raised:
            call(*args, **kwargs)
        error = raised.exception.response["Error"]
        self.assertEqual(error["Code"], code, raised.exception.response)
        self.assertTrue(error.get("Message"), "an error needs a message a person can act on")
        return raised.exception.response

    def assertCliFailed(self, outcome, code):
        self.assertIsInstance(outcome, subprocess.CompletedProcess,
                              "the aws cli was expected to fail, got %r" % (outcome,))
        self.assertNotEqual(outcome.returncode, 0)
        self.assertIn(code, outcome.stderr)

    def assertCliOk(self, outcome):
        self.assertNotIsInstance(
            outcome, subprocess.CompletedProcess,
            "aws cli failed: %s" % (getattr(outcome, "stderr", ""),))
        return outcome
