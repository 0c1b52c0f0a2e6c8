"""Control planes, node agents and their tasks for the end-to-end tests.

GantryServer is `gantry server` (the control plane alone); GantryAgent is one
`gantry agent` joined to it, with a data directory of its own. Both drain
their output to a log file and wait a bounded time for everything. Tasks
outlive their agent by design (a shim keeps each workload), so cleanup also
kills the workloads an agent left behind, from the pid files the process
driver writes: <agent data>/containers/<task id>/<container>/pid.

The wait_* functions poll the API with a deadline and fail with what they
saw last, so a hung task fails its test instead of hanging the suite.
"""
import glob
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

from gantry_process import GantryProcess, GantryTestCase, LoggedProcess, gantry_binary

AGENT_START_TIMEOUT_S = 20
AGENT_STOP_TIMEOUT_S = 10
POLL_INTERVAL_S = 0.05

_REGISTERED_LINE = re.compile(r"agent: registered as (\S+) in cluster (\S+)")
_CHANNEL_UP = "agent: channel to the control plane is up"


class GantryServer(GantryProcess):
    """`gantry server`: the control plane without a local agent."""

    def __init__(self, agent_idle_timeout_s=None, **kwargs):
        extra = list(kwargs.pop("extra_args", ()))
        if agent_idle_timeout_s is not None:
            extra += ["--agent-idle-timeout", str(agent_idle_timeout_s)]
        super().__init__(command="server", extra_args=extra, **kwargs)


class GantryAgent(LoggedProcess):
    """One `gantry agent` process, restartable on the same data directory."""

    def __init__(self, server, cluster, data_dir=None, attributes=(), capacity=None, cpu=None,
                 memory=None, gpu_ids=(), driver="process", extra_args=(), env=None):
        self.binary = gantry_binary()
        self.env = dict(env or {})  # added to the test's environment
        self.driver = driver
        self.extra_args = list(extra_args)
        self.server = server
        self.cluster = cluster
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="gantry-e2e-agent-")
        self.log_path = os.path.join(self.data_dir, "agent-e2e.log")
        self.attributes = dict(attributes)
        self.capacity = capacity
        self.cpu = cpu
        self.memory = memory
        self.gpu_ids = list(gpu_ids)
        self.instance_arn = None
        self._process = None
        self._drainer = None
        self._connected = threading.Event()
        self._log_lock = threading.Lock()

    @property
    def containers_dir(self):
        return os.path.join(self.data_dir, "containers")

    @property
    def pid(self):
        return self._process.pid if self._process else None

    def args(self):
        args = [self.binary, "agent", "--server", self.server.endpoint, "--cluster", self.cluster,
                "--data-dir", self.data_dir]
        for name, value in self.attributes.items():
            args += ["--attribute", "%s=%s" % (name, value)]
        if self.capacity:
            args += ["--capacity", self.capacity]
        if self.cpu is not None:
            args += ["--cpu", str(self.cpu)]
        if self.memory is not None:
            args += ["--memory", str(self.memory)]
        if self.gpu_ids:
            args += ["--gpu-ids", ",".join(self.gpu_ids)]
        args += ["--driver", self.driver]
        if "--metadata-port" not in self.extra_args:
            args += ["--metadata-port", "0"]  # many agents share the machine
        args += self.extra_args
        return args

    def start(self, wait_connected=True):
        """Starts the agent; waits (bounded) until its channel is up, when asked."""
        if self.running():
            raise RuntimeError("the agent is already running")
        env = dict(os.environ)
        env["AWS_ACCESS_KEY_ID"] = self.server.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.server.secret_key
        env.pop("AWS_SESSION_TOKEN", None)
        env.update(self.env)
        self._connected = threading.Event()
        args = self.args()
        self._append_log("=== start: %s\n" % " ".join(args))
        # A session of its own, so that a signal meant for the test runner's
        # group never reaches it (and SIGSTOP stops only this process).
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        self._drainer = threading.Thread(target=self._drain, args=(self._process,), daemon=True)
        self._drainer.start()
        if wait_connected:
            self.wait_connected()
        return self

    def wait_connected(self, timeout=AGENT_START_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while not self._connected.wait(POLL_INTERVAL_S):
            if self._process.poll() is not None:
                self._drainer.join(2)
                raise RuntimeError("gantry agent exited with %s before connecting:\n%s"
                                   % (self._process.returncode, self.log_text()))
            if time.monotonic() > deadline:
                raise RuntimeError("gantry agent did not connect in %d s:\n%s"
                                   % (timeout, self.log_text()))

    def stop(self):
        """SIGTERM, then waits (bounded) for the exit; returns the exit code."""
        if not self.running():
            return self._process.returncode if self._process else None
        self._process.send_signal(signal.SIGCONT)  # a stopped agent cannot exit
        self._process.send_signal(signal.SIGTERM)
        try:
            code = self._process.wait(AGENT_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(AGENT_STOP_TIMEOUT_S)
            raise RuntimeError("gantry agent did not exit within %d s of SIGTERM"
                               % AGENT_STOP_TIMEOUT_S)
        finally:
            self._drainer.join(AGENT_STOP_TIMEOUT_S)
        self._append_log("=== stopped: exit %s\n" % code)
        return code

    def kill9(self):
        """SIGKILL: the agent gets no chance to do anything."""
        if self.running():
            self._process.kill()
            self._process.wait(AGENT_STOP_TIMEOUT_S)
            self._drainer.join(AGENT_STOP_TIMEOUT_S)
            self._append_log("=== killed with SIGKILL\n")

    def pause(self):
        """SIGSTOP: the process stays, silent; its channel goes quiet."""
        self._process.send_signal(signal.SIGSTOP)
        self._append_log("=== SIGSTOP\n")

    def resume(self):
        self._process.send_signal(signal.SIGCONT)
        self._append_log("=== SIGCONT\n")

    def running(self):
        return self._process is not None and self._process.poll() is None

    def stopped_by_signal(self):
        """Whether the agent is stopped (SIGSTOP), as /proc tells: it runs no code."""
        if not self.running():
            return False
        with open("/proc/%d/stat" % self._process.pid, encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "T"

    def cleanup(self):
        """Kills the agent and every workload it left, then removes its data."""
        try:
            if self.running():
                self._process.send_signal(signal.SIGCONT)
                self.kill9()
        finally:
            kill_task_processes(self.containers_dir)
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- tasks ---------------------------------------------------------------

    def container_dir(self, task_arn, container):
        return container_dir(self.containers_dir, task_arn, container)

    def workload_pid(self, task_arn, container, timeout=10):
        return workload_pid(self.containers_dir, task_arn, container, timeout)

    # -- output ----------------------------------------------------------------

    def _drain(self, process):
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self._append_log(line)
            match = _REGISTERED_LINE.search(line)
            if match:
                self.instance_arn = match.group(1)
            if _CHANNEL_UP in line:
                self._connected.set()
        process.stdout.close()


# -- workloads on disk ------------------------------------------------------------


def task_id(task_arn):
    return task_arn.rsplit("/", 1)[1]


def container_dir(containers_dir, task_arn, container):
    return os.path.join(containers_dir, task_id(task_arn), container)


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def workload_pid(containers_dir, task_arn, container, timeout=10):
    """The pid the shim wrote for a container's workload (waits for the file)."""
    path = os.path.join(container_dir(containers_dir, task_arn, container), "pid")
    deadline = time.monotonic() + timeout
    while True:
        text = read_text(path).strip()
        if text:
            return int(text)
        if time.monotonic() > deadline:
            raise AssertionError("no pid file at %s after %d s" % (path, timeout))
        time.sleep(POLL_INTERVAL_S)


def process_alive(pid):
    """Whether `pid` is a live process (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        # Reading the stat of a process that has just been reaped raises ESRCH.
        return False


def kill_task_processes(containers_dir):
    """SIGKILLs the process group of every workload under `containers_dir`
    that has not recorded an exit. Only groups whose leader is the recorded
    pid are signalled, so a reused pid is left alone."""
    killed = []
    for pid_file in glob.glob(os.path.join(containers_dir, "*", "*", "pid")):
        directory = os.path.dirname(pid_file)
        if os.path.exists(os.path.join(directory, "exit")):
            continue
        try:
            pid = int(read_text(pid_file).strip())
        except ValueError:
            continue
        try:
            if os.getpgid(pid) != pid:
                continue
            os.killpg(pid, signal.SIGCONT)
            os.killpg(pid, signal.SIGKILL)
            killed.append(pid)
        except (ProcessLookupError, PermissionError):
            continue
    # The shims record the exits and leave; give them a moment.
    deadline = time.monotonic() + 2
    while killed and time.monotonic() < deadline:
        killed = [pid for pid in killed if process_alive(pid)]
        time.sleep(POLL_INTERVAL_S)
    return killed


# -- polling the API ----------------------------------------------------------------


def wait_for(predicate, timeout, what, interval=POLL_INTERVAL_S):
    """Polls predicate() until it returns something true; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def assert_holds(predicate, duration, what, interval=POLL_INTERVAL_S):
    """Checks predicate() throughout `duration` seconds and fails the first time it
    is false. For the checks that something does NOT happen: the window is
    bounded, and a change is caught when it comes, not only at the end."""
    deadline = time.monotonic() + duration
    while True:
        if not predicate():
            raise AssertionError("no longer true: %s" % what)
        if time.monotonic() > deadline:
            return
        time.sleep(interval)


def describe_task(ecs, task_arn, cluster=None):
    kwargs = {"tasks": [task_arn]}
    if cluster:
        kwargs["cluster"] = cluster
    answer = ecs.describe_tasks(**kwargs)
    if answer["failures"]:
        raise AssertionError("DescribeTasks failed for %s: %s" % (task_arn, answer["failures"]))
    return answer["tasks"][0]


def wait_for_task(ecs, task_arn, status, cluster=None, timeout=20, check=None):
    """Polls DescribeTasks until the task's lastStatus is `status` (and
    check(task), when given, holds); returns the task. A task that stops
    while another status is awaited fails at once."""
    deadline = time.monotonic() + timeout
    task = None
    while True:
        task = describe_task(ecs, task_arn, cluster)
        if task["lastStatus"] == status and (check is None or check(task)):
            return task
        if task["lastStatus"] == "STOPPED" and status != "STOPPED":
            raise AssertionError("task stopped while waiting for %s:\n%s"
                                 % (status, json.dumps(task, indent=1, default=str)))
        if time.monotonic() > deadline:
            raise AssertionError("task not %s after %d s:\n%s"
                                 % (status, timeout, json.dumps(task, indent=1, default=str)))
        time.sleep(POLL_INTERVAL_S)


def wait_for_tasks(ecs, task_arns, status, cluster=None, timeout=20):
    return [wait_for_task(ecs, arn, status, cluster, timeout) for arn in task_arns]


def container_of(task, name):
    for container in task["containers"]:
        if container["name"] == name:
            return container
    raise AssertionError("no container %s in %s" % (name, task["taskArn"]))


def instance_of(ecs, instance_arn, cluster=None):
    kwargs = {"containerInstances": [instance_arn]}
    if cluster:
        kwargs["cluster"] = cluster
    answer = ecs.describe_container_instances(**kwargs)
    if answer["failures"]:
        raise AssertionError("DescribeContainerInstances failed: %s" % answer["failures"])
    return answer["containerInstances"][0]


def resource(instance, which, name):
    """An instance's registeredResources / remainingResources value by name."""
    for item in instance[which]:
        if item["name"] == name:
            return item["stringSetValue"] if item["type"] == "STRINGSET" else item["integerValue"]
    raise AssertionError("no %s resource %s" % (which, name))


def wait_for_connected_instance(ecs, cluster=None, timeout=AGENT_START_TIMEOUT_S):
    """The ARN of the cluster's only instance, once its agent is connected
    (`gantry dev` prints its banner before its agent registers)."""
    kwargs = {"cluster": cluster} if cluster else {}

    def connected():
        try:
            arns = ecs.list_container_instances(**kwargs)["containerInstanceArns"]
        except Exception:  # the default cluster is not made yet
            return None
        if len(arns) != 1:
            return None
        return arns[0] if instance_of(ecs, arns[0], cluster)["agentConnected"] else None

    return wait_for(connected, timeout, "the agent of cluster %s to connect" % (cluster or "default"))


def shell(script, name="main", **extra):
    """A container that runs `script` with /bin/sh -c."""
    container = {"name": name, "image": "busybox", "memory": 32, "essential": True,
                 "entryPoint": ["/bin/sh", "-c"], "command": [script]}
    container.update(extra)
    return container


class DevTestCase(GantryTestCase):
    """GantryTestCase whose `gantry dev` agent is connected before the tests
    run, and whose leftover workloads are killed after them."""

    instance_arn = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.instance_arn = wait_for_connected_instance(cls.ecs)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        # Stop gantry first, so that its agent does not report the kills;
        # the workloads it leaves are killed whether or not it stopped well.
        try:
            if cls.gantry:
                cls.quiesce()
                cls.gantry.stop()
        finally:
            if cls.gantry:
                kill_task_processes(cls.containers_dir())
            super().tearDownClass()

    @classmethod
    def quiesce(cls, timeout=10):
        """Stops what still runs on the local agent and waits (bounded) until
        every task there has stopped, so that gantry stops an idle agent."""
        try:
            ecs = cls.gantry.client()
            for arn in ecs.list_tasks(desiredStatus="RUNNING")["taskArns"]:
                ecs.stop_task(task=arn, reason="the test class is over")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                arns = ecs.list_tasks(desiredStatus="STOPPED")["taskArns"]
                described = ecs.describe_tasks(tasks=arns[:100])["tasks"] if arns else []
                if all(t["lastStatus"] == "STOPPED" for t in described):
                    return
                time.sleep(POLL_INTERVAL_S)
        except Exception:  # best effort: the stop that follows says what is wrong
            pass

    @classmethod
    def containers_dir(cls):
        return os.path.join(cls.gantry.data_dir, "agent", "containers")

    def container_dir(self, task_arn, container):
        return container_dir(self.containers_dir(), task_arn, container)

    def stdout_of(self, task_arn, container):
        return read_text(os.path.join(self.container_dir(task_arn, container), "stdout.log"))

    def workload_pid(self, task_arn, container, timeout=10):
        return workload_pid(self.containers_dir(), task_arn, container, timeout)

    def register(self, family, containers, **extra):
        return self.ecs.register_task_definition(
            family=family, containerDefinitions=containers, **extra)["taskDefinition"]

    def run_one(self, family, **kwargs):
        """RunTask that must place exactly one task; returns it."""
        answer = self.ecs.run_task(taskDefinition=family, **kwargs)
        self.assertEqual(answer["failures"], [], answer)
        self.assertEqual(len(answer["tasks"]), 1)
        return answer["tasks"][0]

    def stop_quietly(self, task_arn, cluster=None):
        """For cleanups: stops a task, ignoring errors."""
        try:
            kwargs = {"task": task_arn}
            if cluster:
                kwargs["cluster"] = cluster
            self.ecs.stop_task(**kwargs)
        except Exception:  # the test already failed; do not hide that
            pass


class PrintsLogsOnFailure:
    """A unittest.TestCase mixin: when a test fails, prints the logs of the
    processes `logged_processes()` names ((name, process) pairs)."""

    def logged_processes(self):
        return []

    def run(self, result=None):
        before = (len(result.failures), len(result.errors)) if result else None
        outcome = super().run(result)
        if result is not None and (len(result.failures), len(result.errors)) != before:
            for name, process in self.logged_processes():
                text = process.log_text() if process else ""
                sys.stderr.write("\n--- %s log (%s), last 4000 chars ---\n%s--- end ---\n"
                                 % (name, self.id(), text[-4000:]))
        return outcome


class ServerWithAgentsTestCase(PrintsLogsOnFailure, unittest.TestCase):
    """A `gantry server` (GantryServer(**server_options)) for the class and
    the agents its start_agents() starts; both are cleaned up however
    setUpClass ends, and their logs printed when a test fails."""

    server_options = {}
    server = None
    agents = ()
    ecs = None

    @classmethod
    def start_agents(cls):
        """Makes the class's clusters and starts its agents, each put in
        cls.agents before it starts (so that cleanup finds it)."""

    @classmethod
    def add_agent(cls, *args, **kwargs):
        """A GantryAgent of the class's server, started and connected."""
        agent = GantryAgent(cls.server, *args, **kwargs)
        cls.agents.append(agent)
        return agent.start()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agents = []
        cls.server = None
        try:
            cls.server = GantryServer(**cls.server_options).start()
            cls.ecs = cls.server.client()
            cls.start_agents()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for agent in cls.agents:
            agent.cleanup()
        if cls.server:
            cls.server.cleanup()
        super().tearDownClass()

    def logged_processes(self):
        return [("server", self.server)] + [("agent %d" % i, a) for i, a in enumerate(self.agents)]
