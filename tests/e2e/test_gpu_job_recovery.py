"""Multi-node GPU jobs that recover by themselves, end to end (gpu_jobs.py
says how the cluster is made). The diagnostic is the agent's built-in NVML
check.
"""
import os
import unittest

from botocore.exceptions import ClientError

from cluster_processes import assert_holds, describe_task, shell, wait_for, wait_for_task
from gpu_jobs import CLUSTER, GpuJobTestCase


class GpuJobRecoveryTest(GpuJobTestCase):
    # -- the tests ---------------------------------------------------------

    def test_a_hardware_xid_stops_the_siblings_and_restarts_the_job_on_healthy_gpus(self):
        job = self.running_job(self.start_job())
        self.assertEqual((job["attempt"], job["maxAttempts"]), (1, 3))
        first = job["tasks"][0]
        node = self.node_of(first["containerInstanceArn"])
        gpus = self.nodes[node][1]
        bad = first["gpuIds"][0]
        gpus.fault(gpus.index_of(bad), xid=79)

        for task in job["tasks"]:
            stopped = wait_for_task(self.ecs, task["taskArn"], "STOPPED", cluster=CLUSTER)
            self.assertTrue(stopped["stoppedReason"].startswith("GPU %s XID 79" % bad),
                            stopped["stoppedReason"])
        restarted = self.running_job(self.wait_job(job["jobId"], "RUNNING", attempt=2))
        places = {t["containerInstanceArn"] for t in restarted["tasks"]}
        self.assertEqual(len(places), 2)
        self.assertNotIn(first["containerInstanceArn"], places)  # not the node that failed
        for task in restarted["tasks"]:
            self.assertNotIn(bad, task["gpuIds"])
            described = describe_task(self.ecs, task["taskArn"], CLUSTER)
            self.assertEqual(described["overrides"]["containerOverrides"][0]["environment"],
                             [{"name": "RUN", "value": "train"}])
            self.assertIn({"key": "gantry:recovery", "value": "job"},
                          self.ecs.list_tags_for_resource(resourceArn=task["taskArn"])["tags"])

        # No recovery (recover-ok is absent): the GPU stays out, the instance IMPAIRED.
        detail = self.accelerated_compute(node)
        self.assertEqual((detail["status"], detail["statusReason"]), ("IMPAIRED", "XID_79"))
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "RECOVERING", "DIAGNOSING",
                                          "RESTARTING", "RUNNING"])
        bodies = self.webhook.bodies_of(job["jobId"])
        stopping = bodies[1]
        self.assertEqual(stopping["detailType"], "gantry Job State Change")
        self.assertEqual(stopping["job"]["fault"]["gpuId"], bad)
        self.assertEqual(stopping["job"]["fault"]["xid"], 79)
        self.assertEqual(stopping["job"]["fault"]["containerInstanceArn"],
                         first["containerInstanceArn"])
        self.assertEqual(stopping["job"]["fault"]["pciBusId"],
                         gpus.gpus[gpus.index_of(bad)]["pci_bus_id"])
        diagnosing = bodies[3]["job"]
        self.assertEqual(diagnosing["recovery"]["status"], "FAILED")
        self.assertIn("the GPU reset failed", diagnosing["recovery"]["output"])
        self.assertIn("stays out of service", bodies[4]["event"]["message"])
        # RESTARTING and RUNNING came in one commit: the job as it left them.
        previous = bodies[4]["job"]["previousAttempt"]
        self.assertEqual((previous["attempt"], previous["diagnostic"]["status"]),
                         (1, "UNHEALTHY"))
        self.assertEqual([b["event"]["id"] for b in bodies], list(range(1, 7)))

        # The operator returns it; the agent checks it and it serves again.
        out = self.gantry_cli("gpus", "return", "--cluster", CLUSTER, "--container-instance",
                              first["containerInstanceArn"])
        self.assertIn("returning " + bad, out)
        wait_for(lambda: self.accelerated_compute(node).get("status") == "OK", 10,
                 "node %d back to OK" % node)
        self.assertIn("HEALTHY", self.gantry_cli("gpus", "--cluster", CLUSTER))

    def test_an_application_xid_restarts_the_job_with_no_node_action(self):
        job = self.running_job(self.start_job())
        first = job["tasks"][0]
        node = self.node_of(first["containerInstanceArn"])
        gpus = self.nodes[node][1]
        gpus.fault(gpus.index_of(first["gpuIds"][0]), xid=13)
        self.running_job(self.wait_job(job["jobId"], "RUNNING", attempt=2))
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "RESTARTING", "RUNNING"])
        self.assertEqual(self.webhook.bodies_of(job["jobId"])[1]["job"]["fault"]["kind"],
                         "GPU_APPLICATION")
        self.assertEqual(self.accelerated_compute(node)["status"], "OK")

    def test_a_job_whose_restarts_keep_failing_fails_after_its_attempts(self):
        job = self.start_job(script="sleep 0.5; exit 3", attempts=2, family="crash")
        failed = self.wait_job(job["jobId"], "FAILED")
        self.assertEqual(failed["attempt"], 2)
        self.assertIn("was the last: the job failed", failed["statusReason"])
        # Each failure: the task's GPUs diagnosed (healthy: an application failure).
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "DIAGNOSING", "RESTARTING",
                                          "RUNNING", "STOPPING", "DIAGNOSING", "FAILED"])
        last = self.webhook.bodies_of(job["jobId"])[-1]
        self.assertEqual(last["job"]["fault"]["exitCode"], 3)
        assert_holds(lambda: self.job(job["jobId"])["status"] == "FAILED", 1.0,
                     "the failed job stays FAILED")

    def test_a_lost_gpu_is_recovered_and_serves_again(self):
        open(self.recover_ok, "w").close()
        job = self.running_job(self.start_job())
        first = job["tasks"][0]
        node = self.node_of(first["containerInstanceArn"])
        gpus = self.nodes[node][1]
        lost = first["gpuIds"][1]
        gpus.fault(gpus.index_of(lost), lost=True)
        for task in job["tasks"]:
            stopped = wait_for_task(self.ecs, task["taskArn"], "STOPPED", cluster=CLUSTER)
            self.assertTrue(stopped["stoppedReason"].startswith("GPU " + lost),
                            stopped["stoppedReason"])
        self.running_job(self.wait_job(job["jobId"], "RUNNING", attempt=2))
        bodies = self.webhook.bodies_of(job["jobId"])
        self.assertEqual(bodies[1]["job"]["fault"]["reason"], "GPU_IS_LOST")
        wait_for(lambda: self.accelerated_compute(node).get("status") == "OK", 10,
                 "node %d recovered" % node)
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "RECOVERING", "DIAGNOSING",
                                          "RESTARTING", "RUNNING"])
        bodies = self.webhook.bodies_of(job["jobId"])
        self.assertEqual(bodies[3]["job"]["recovery"]["status"], "RECOVERED")
        self.assertIn("serves again", bodies[4]["event"]["message"])
        self.assertEqual(bodies[4]["job"]["previousAttempt"]["diagnostic"]["status"], "HEALTHY")

    def test_stopping_a_task_stops_the_job_and_nothing_restarts_it(self):
        job = self.running_job(self.start_job())
        self.ecs.stop_task(cluster=CLUSTER, task=job["tasks"][0]["taskArn"])
        stopped = self.wait_job(job["jobId"], "STOPPED_BY_USER")
        for task in job["tasks"]:
            wait_for_task(self.ecs, task["taskArn"], "STOPPED", cluster=CLUSTER)
        self.assertEqual(stopped["attempt"], 1)
        assert_holds(lambda: not self.ecs.list_tasks(cluster=CLUSTER,
                                                     desiredStatus="RUNNING")["taskArns"],
                     1.0, "no task restarted")
        self.assertIn(job["jobId"], self.gantry_cli("jobs", "--cluster", CLUSTER))

    def test_stop_job_ends_a_job_that_waits_for_room(self):
        job = self.running_job(self.start_job(count=3))  # a task on every instance
        first = job["tasks"][0]
        gpus = self.nodes[self.node_of(first["containerInstanceArn"])][1]
        gpus.fault(gpus.index_of(first["gpuIds"][0]), xid=79)
        # No recovery: the GPU stays out, and three tasks of two GPUs no longer fit.
        waiting = self.wait_job(job["jobId"], "RESTARTING")
        self.assertIn("waits for room", waiting["statusReason"])
        out = self.gantry_cli("jobs", "stop", job["jobId"], "--cluster", CLUSTER,
                              "--reason", "no room for three ranks")
        self.assertIn("STOPPED_BY_USER", out)
        stopped = self.job(job["jobId"])
        self.assertEqual(stopped["status"], "STOPPED_BY_USER")
        self.assertIn("no room for three ranks", stopped["statusReason"])
        self.wait_statuses(job["jobId"], ["RUNNING", "STOPPING", "RECOVERING", "DIAGNOSING",
                                          "RESTARTING", "STOPPED_BY_USER"])
        assert_holds(lambda: not self.ecs.list_tasks(cluster=CLUSTER,
                                                     desiredStatus="RUNNING")["taskArns"],
                     1.0, "nothing restarted")
        # Again: the job stays as it ended. An unknown job is refused.
        again = self.server.gantry_call("StopJob", {"cluster": CLUSTER, "job": job["jobId"]})
        self.assertEqual(again["job"]["statusReason"], stopped["statusReason"])
        with self.assertRaises(ClientError) as raised:
            self.server.gantry_call("StopJob", {"cluster": CLUSTER, "job": "nope"})
        self.assertEqual(raised.exception.response["Error"]["Code"], "InvalidParameterException")
        self.assertEqual(raised.exception.response["Error"]["Message"],
                         "The referenced job was not found.")

    def test_recovery_resumes_after_a_kill_9_of_the_server(self):
        open(self.hold, "w").close()  # the recovery waits until the server is back
        job = self.running_job(self.start_job())
        first = job["tasks"][0]
        node = self.node_of(first["containerInstanceArn"])
        gpus = self.nodes[node][1]
        gpus.fault(gpus.index_of(first["gpuIds"][0]), xid=48)
        self.wait_job(job["jobId"], "RECOVERING")
        self.server.kill9()
        for agent, _ in self.nodes.values():
            agent.wait_connected()
        self.assertEqual(self.job(job["jobId"])["status"], "RECOVERING")
        os.remove(self.hold)
        restarted = self.running_job(self.wait_job(job["jobId"], "RUNNING", attempt=2))
        # Two tasks run: attempt 2's, and no other.
        running = self.ecs.list_tasks(cluster=CLUSTER, desiredStatus="RUNNING")["taskArns"]
        self.assertEqual(sorted(running), sorted(t["taskArn"] for t in restarted["tasks"]))
        # Every event reached the webhook, those the killed server had not sent too
        # (at least once: one it sent but had not recorded comes again).
        last = max(e["id"] for e in restarted["events"])
        wait_for(lambda: {e["id"] for e in self.webhook.events_of(job["jobId"])} ==
                 set(range(1, last + 1)) or None, 10,
                 "events 1 to %d at the webhook" % last)
        self.assertNotIn("notified", restarted)

    def test_bad_job_tags_are_refused(self):
        self.ecs.register_task_definition(family="tags", containerDefinitions=[shell("exit 0")])
        for tags, text in (([{"key": "gantry:recovery", "value": "yes"}], "value job"),
                           ([{"key": "gantry:recovery", "value": "job"},
                             {"key": "gantry:max-attempts", "value": "0"}], "1 to 100"),
                           ([{"key": "gantry:max-attempts", "value": "2"}], "applies only")):
            with self.assertRaises(ClientError) as raised:
                self.ecs.run_task(cluster=CLUSTER, taskDefinition="tags", tags=tags)
            self.assertEqual(raised.exception.response["Error"]["Code"],
                             "InvalidParameterException")
            self.assertIn(text, raised.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as raised:
            self.server.gantry_call("DescribeJobs", {"cluster": CLUSTER, "jobs": [], "x": 1})
        self.assertEqual(raised.exception.response["Error"]["Code"], "InvalidParameterException")
        missing = self.server.gantry_call("DescribeJobs", {"cluster": CLUSTER, "jobs": ["nope"]})
        self.assertEqual(missing["failures"], [{"arn": "nope", "reason": "MISSING"}])


if __name__ == "__main__":
    unittest.main()
