"""Container instances end to end: the `gantry dev` agent's own instance
(resources, counts, attributes, filters, DRAINING) and placement on fake
instances registered straight through the API (no agent runs their tasks,
which stay PROVISIONING): RESOURCE:* and ATTRIBUTE failures, binpack,
spread, distinctInstance, deregistration, and the aws cli."""
import os
import unittest

from cluster_processes import (DevTestCase, assert_holds, container_of, describe_task,
                               instance_of, resource, shell, wait_for, wait_for_task)


def machine_memory_mib():
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no MemTotal in /proc/meminfo")


def _running_and_desired(task):
    return task["lastStatus"] == "RUNNING" and task["desiredStatus"] == "RUNNING"


class DevInstanceTest(DevTestCase):
    """The instance `gantry dev` registers for its local agent."""

    def cluster(self, name="default"):
        return self.ecs.describe_clusters(clusters=[name])["clusters"][0]

    def test_the_dev_instance_describes_this_machine(self):
        instance = instance_of(self.ecs, self.instance_arn)
        self.assertTrue(instance["agentConnected"])
        self.assertEqual(instance["status"], "ACTIVE")
        self.assertEqual(resource(instance, "registeredResources", "CPU"),
                         1024 * os.sysconf("SC_NPROCESSORS_ONLN"))
        self.assertEqual(resource(instance, "registeredResources", "MEMORY"),
                         machine_memory_mib())
        # The ports the ECS agent reserves for itself.
        self.assertLessEqual({"22", "2375", "2376", "51678", "51679"},
                             set(resource(instance, "registeredResources", "PORTS")))
        attributes = {a["name"]: a.get("value") for a in instance["attributes"]}
        self.assertEqual(attributes.get("ecs.os-type"), "linux")
        self.assertIn("ecs.capability.container-health-check", attributes)
        self.assertTrue(instance["versionInfo"].get("agentVersion"))
        self.assertTrue(instance["ec2InstanceId"].startswith("i-"))
        # Unknown instances are failures, not errors.
        answer = self.ecs.describe_container_instances(
            containerInstances=[self.instance_arn, "0123456789abcdef0123456789abcdef"])
        self.assertEqual(len(answer["containerInstances"]), 1)
        self.assertEqual([f["reason"] for f in answer["failures"]], ["MISSING"])
        # Health, when asked for, is the agent's connection.
        health = self.ecs.describe_container_instances(
            containerInstances=[self.instance_arn],
            include=["CONTAINER_INSTANCE_HEALTH"])["containerInstances"][0]["healthStatus"]
        self.assertEqual(health["overallStatus"], "OK")
        self.assertEqual(health["details"][0]["type"], "CONTAINER_RUNTIME")
        self.assertNotIn("healthStatus", instance)

    def test_remaining_resources_and_counts_follow_a_running_task(self):
        family = self.unique("reserve")
        self.register(family, [shell("echo ready; exec sleep 60", cpu=256, memory=128)])
        # Starts from an idle instance: what other tests ran has stopped.
        def idle():
            instance = instance_of(self.ecs, self.instance_arn)
            busy = instance["runningTasksCount"] + instance["pendingTasksCount"]
            return instance if busy == 0 else None

        before = wait_for(idle, 10, "the instance to be idle")
        cluster_before = self.cluster()
        self.assertEqual(cluster_before["registeredContainerInstancesCount"], 1)
        cpu = resource(before, "remainingResources", "CPU")
        memory = resource(before, "remainingResources", "MEMORY")

        arn = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, arn)
        wait_for_task(self.ecs, arn, "RUNNING")
        during = instance_of(self.ecs, self.instance_arn)
        self.assertEqual(resource(during, "remainingResources", "CPU"), cpu - 256)
        self.assertEqual(resource(during, "remainingResources", "MEMORY"), memory - 128)
        self.assertEqual(during["runningTasksCount"], before["runningTasksCount"] + 1)
        self.assertEqual(resource(during, "registeredResources", "CPU"),
                         resource(before, "registeredResources", "CPU"))
        self.assertEqual(self.cluster()["runningTasksCount"],
                         cluster_before["runningTasksCount"] + 1)

        self.ecs.stop_task(task=arn)
        wait_for_task(self.ecs, arn, "STOPPED")
        after = instance_of(self.ecs, self.instance_arn)
        self.assertEqual(resource(after, "remainingResources", "CPU"), cpu)
        self.assertEqual(resource(after, "remainingResources", "MEMORY"), memory)
        self.assertEqual(after["runningTasksCount"], before["runningTasksCount"])
        self.assertEqual(self.cluster()["runningTasksCount"], cluster_before["runningTasksCount"])

    def test_list_by_status_and_filter(self):
        def listed(**kwargs):
            return self.ecs.list_container_instances(**kwargs)["containerInstanceArns"]

        self.assertEqual(listed(), [self.instance_arn])
        self.assertEqual(listed(status="ACTIVE"), [self.instance_arn])
        self.assertEqual(listed(status="DRAINING"), [])
        self.assertEqual(listed(filter="attribute:ecs.os-type == linux"), [self.instance_arn])
        self.assertEqual(listed(filter="attribute:ecs.os-type == windows"), [])
        self.assertEqual(listed(filter="attribute:ecs.os-type != windows and "
                                       "runningTasksCount == 0"), [self.instance_arn])
        self.assertClientError("InvalidParameterException", self.ecs.list_container_instances,
                               filter="attribute:ecs.os-type ==")

    def test_put_list_delete_attributes(self):
        arn = self.instance_arn
        stack = self.unique("stack")
        answer = self.ecs.put_attributes(attributes=[
            {"name": stack, "value": "prod", "targetType": "container-instance", "targetId": arn}])
        self.assertEqual(answer["attributes"][0]["name"], stack)
        self.addCleanup(lambda: self.ecs.delete_attributes(
            attributes=[{"name": stack, "targetId": arn}]))
        listed = self.ecs.list_attributes(targetType="container-instance",
                                          attributeName=stack)["attributes"]
        self.assertEqual(listed, [{"name": stack, "value": "prod", "targetType":
                                   "container-instance", "targetId": arn}])
        self.assertEqual(self.ecs.list_attributes(targetType="container-instance",
                                                  attributeName=stack,
                                                  attributeValue="dev")["attributes"], [])
        self.assertEqual(
            self.ecs.list_container_instances(filter="attribute:%s == prod" % stack)
            ["containerInstanceArns"], [arn])
        attributes = {a["name"]: a.get("value") for a in instance_of(self.ecs, arn)["attributes"]}
        self.assertEqual(attributes[stack], "prod")

        # memberOf places on it while the attribute is there.
        family = self.unique("member")
        self.register(family, [shell("exit 0")])
        constraint = [{"type": "memberOf", "expression": "attribute:%s == prod" % stack}]
        placed = self.ecs.run_task(taskDefinition=family, placementConstraints=constraint)
        self.assertEqual(placed["failures"], [])
        self.assertEqual(placed["tasks"][0]["containerInstanceArn"], arn)
        wait_for_task(self.ecs, placed["tasks"][0]["taskArn"], "STOPPED")

        self.ecs.delete_attributes(attributes=[{"name": stack, "targetId": arn}])
        self.assertEqual(self.ecs.list_attributes(targetType="container-instance",
                                                  attributeName=stack)["attributes"], [])
        refused = self.ecs.run_task(taskDefinition=family, placementConstraints=constraint)
        self.assertEqual(refused["tasks"], [])
        self.assertEqual(refused["failures"], [{"arn": arn, "reason": "ATTRIBUTE"}])

        missing = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/" + "0" * 32
        self.assertClientError("TargetNotFoundException", self.ecs.put_attributes,
                               attributes=[{"name": stack, "value": "x", "targetId": missing}])
        self.assertClientError("TargetNotFoundException", self.ecs.delete_attributes,
                               attributes=[{"name": stack, "targetId": missing}])

    def test_aws_cli_runs_and_describes_a_task(self):
        family = self.unique("cli")
        self.register(family, [shell('echo "cli says $WORD"; exit 4',
                                     environment=[{"name": "WORD", "value": "hi"}])])
        ran = self.assertCliOk(self.gantry.aws(
            "run-task", "--task-definition", family, "--started-by", "aws-cli",
            "--overrides",
            '{"containerOverrides":[{"name":"main","environment":[{"name":"WORD","value":"yo"}]}]}'))
        self.assertEqual(ran["failures"], [])
        arn = ran["tasks"][0]["taskArn"]
        wait_for_task(self.ecs, arn, "STOPPED")
        described = self.assertCliOk(self.gantry.aws("describe-tasks", "--tasks", arn))
        task = described["tasks"][0]
        self.assertEqual(task["lastStatus"], "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 4)
        self.assertEqual(task["startedBy"], "aws-cli")
        self.assertEqual(self.stdout_of(arn, "main"), "cli says yo\n")
        listed = self.assertCliOk(self.gantry.aws("list-container-instances",
                                                  "--filter", "attribute:ecs.os-type == linux"))
        self.assertEqual(listed["containerInstanceArns"], [self.instance_arn])
        self.assertCliFailed(self.gantry.aws("describe-tasks", "--cluster", "no-such-cluster",
                                             "--tasks", arn), "ClusterNotFoundException")


class DrainingTest(DevTestCase):
    """DRAINING in a gantry of its own: it changes the instance's state."""

    def test_draining_takes_no_new_tasks_and_keeps_standalone_ones(self):
        family = self.unique("drain")
        self.register(family, [shell("echo ready; exec sleep 60")])
        running = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, running)
        wait_for_task(self.ecs, running, "RUNNING")

        self.addCleanup(self.ecs.update_container_instances_state,
                        containerInstances=[self.instance_arn], status="ACTIVE")
        answer = self.ecs.update_container_instances_state(
            containerInstances=[self.instance_arn], status="DRAINING")
        self.assertEqual(answer["failures"], [])
        self.assertEqual(answer["containerInstances"][0]["status"], "DRAINING")
        self.assertEqual(self.ecs.list_container_instances(status="DRAINING")
                         ["containerInstanceArns"], [self.instance_arn])
        refused = self.ecs.run_task(taskDefinition=family)
        for task in refused["tasks"]:
            self.addCleanup(self.stop_quietly, task["taskArn"])
        self.assertEqual(refused["tasks"], [])
        self.assertTrue(refused["failures"], "RunTask on a draining cluster must say why")
        # A task RunTask started is not a service's: draining leaves it running.
        # The refused RunTask above was run by the writer after the drain.
        assert_holds(lambda: _running_and_desired(describe_task(self.ecs, running)), 0.5,
                     "the task running, and desired so, on a draining instance")

        answer = self.ecs.update_container_instances_state(
            containerInstances=[self.instance_arn], status="ACTIVE")
        self.assertEqual(answer["containerInstances"][0]["status"], "ACTIVE")
        again = self.run_one(family)["taskArn"]
        self.addCleanup(self.stop_quietly, again)
        self.assertClientError("InvalidParameterException",
                               self.ecs.update_container_instances_state,
                               containerInstances=[self.instance_arn], status="INACTIVE")
        for arn in (running, again):
            self.ecs.stop_task(task=arn)
            wait_for_task(self.ecs, arn, "STOPPED")


class FakeInstancePlacementTest(DevTestCase):
    """Placement on instances registered by hand in clusters of their own."""

    def make_cluster(self):
        name = self.unique("fleet")
        self.ecs.create_cluster(clusterName=name)
        return name

    def fake_instance(self, cluster, cpu=1024, memory=2048, ports=("22",), gpus=(),
                      attributes=None):
        resources = [
            {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": list(ports)},
            {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []},
        ]
        if gpus:
            resources.append({"name": "GPU", "type": "STRINGSET", "stringSetValue": list(gpus)})
        return self.ecs.register_container_instance(
            cluster=cluster, totalResources=resources,
            attributes=[{"name": k, "value": v} for k, v in (attributes or {}).items()],
            versionInfo={"agentVersion": "1.80.0"})["containerInstance"]["containerInstanceArn"]

    def definition(self, memory=128, cpu=0, **container):
        family = self.unique("fake")
        extra = {}
        if "networkMode" in container:
            extra["networkMode"] = container.pop("networkMode")
        spec = {"name": "main", "image": "busybox", "memory": memory, "cpu": cpu,
                "essential": True, "command": ["true"]}
        spec.update(container)
        self.ecs.register_task_definition(family=family, containerDefinitions=[spec], **extra)
        return family

    def placed_on(self, answer):
        self.assertEqual(answer["failures"], [], answer)
        return [t["containerInstanceArn"] for t in answer["tasks"]]

    def test_failures_name_the_resource_that_is_short(self):
        cluster = self.make_cluster()
        instance = self.fake_instance(cluster, cpu=1024, memory=1024, ports=("22", "8080"),
                                      gpus=["gpu-0"], attributes={"zone": "a"})
        described = instance_of(self.ecs, instance, cluster)
        self.assertFalse(described["agentConnected"])
        self.assertEqual(resource(described, "registeredResources", "GPU"), ["gpu-0"])

        def failures(family, **kwargs):
            answer = self.ecs.run_task(cluster=cluster, taskDefinition=family, **kwargs)
            self.assertEqual(answer["tasks"], [])
            return answer["failures"]

        self.assertEqual(failures(self.definition(memory=2048)),
                         [{"arn": instance, "reason": "RESOURCE:MEMORY"}])
        self.assertEqual(failures(self.definition(cpu=2048)),
                         [{"arn": instance, "reason": "RESOURCE:CPU"}])
        host_port = self.definition(networkMode="host",
                                    portMappings=[{"containerPort": 8080, "protocol": "tcp"}])
        self.assertEqual(failures(host_port), [{"arn": instance, "reason": "RESOURCE:PORTS"}])
        bridge_22 = self.definition(portMappings=[{"containerPort": 80, "hostPort": 22}])
        self.assertEqual(failures(bridge_22), [{"arn": instance, "reason": "RESOURCE:PORTS"}])
        two_gpus = self.definition(resourceRequirements=[{"type": "GPU", "value": "2"}])
        self.assertEqual(failures(two_gpus), [{"arn": instance, "reason": "RESOURCE:GPU"}])
        self.assertEqual(failures(self.definition(), placementConstraints=[
            {"type": "memberOf", "expression": "attribute:zone == b"}]),
            [{"arn": instance, "reason": "ATTRIBUTE"}])

        # What fits is placed, and takes what it reserves.
        one_gpu = self.definition(resourceRequirements=[{"type": "GPU", "value": "1"}])
        answer = self.ecs.run_task(cluster=cluster, taskDefinition=one_gpu)
        self.assertEqual(self.placed_on(answer), [instance])
        task = answer["tasks"][0]
        self.assertEqual(container_of(task, "main").get("gpuIds"), ["gpu-0"])
        self.assertEqual(task["lastStatus"], "PROVISIONING")
        self.assertEqual(failures(one_gpu), [{"arn": instance, "reason": "RESOURCE:GPU"}])
        after = instance_of(self.ecs, instance, cluster)
        self.assertEqual(resource(after, "remainingResources", "GPU"), [])
        self.assertEqual(resource(after, "remainingResources", "MEMORY"), 1024 - 128)
        self.assertEqual(after["pendingTasksCount"], 1)
        counts = self.ecs.describe_clusters(clusters=[cluster])["clusters"][0]
        self.assertEqual(counts["registeredContainerInstancesCount"], 1)
        self.assertEqual(counts["pendingTasksCount"], 1)
        self.assertEqual(counts["runningTasksCount"], 0)
        # A free host port is placed and then reserved.
        free_port = self.definition(networkMode="host",
                                    portMappings=[{"containerPort": 9090, "protocol": "tcp"}])
        self.assertEqual(self.placed_on(self.ecs.run_task(cluster=cluster,
                                                          taskDefinition=free_port)), [instance])
        self.assertIn("9090", resource(instance_of(self.ecs, instance, cluster),
                                       "remainingResources", "PORTS"))
        self.assertEqual(failures(free_port), [{"arn": instance, "reason": "RESOURCE:PORTS"}])

    def test_spread_over_instances_and_attributes(self):
        cluster = self.make_cluster()
        a = self.fake_instance(cluster, attributes={"zone": "a"})
        b = self.fake_instance(cluster, attributes={"zone": "b"})
        family = self.definition()
        placed = self.placed_on(self.ecs.run_task(
            cluster=cluster, taskDefinition=family, count=4,
            placementStrategy=[{"type": "spread", "field": "instanceId"}]))
        self.assertEqual(sorted(placed), sorted([a, a, b, b]))
        placed = self.placed_on(self.ecs.run_task(
            cluster=cluster, taskDefinition=self.definition(), count=4,
            placementStrategy=[{"type": "spread", "field": "attribute:zone"}]))
        self.assertEqual(sorted(placed), sorted([a, a, b, b]))

    def test_resources_without_values_are_registered_empty(self):
        cluster = self.make_cluster()
        instance = self.ecs.register_container_instance(
            cluster=cluster, totalResources=[{"name": "GPU", "type": "STRINGSET"}])
        names = [r["name"] for r in instance["containerInstance"]["registeredResources"]]
        self.assertEqual(sorted(names), ["CPU", "MEMORY", "PORTS", "PORTS_UDP"])

    def test_start_task_sees_the_tasks_it_started_before(self):
        cluster = self.make_cluster()
        instance = self.fake_instance(cluster, memory=4096)
        started = self.ecs.start_task(cluster=cluster, taskDefinition=self.definition(memory=3072),
                                      containerInstances=[instance, instance])
        self.assertEqual([t["containerInstanceArn"] for t in started["tasks"]], [instance])
        self.assertEqual([(f["arn"], f["reason"]) for f in started["failures"]],
                         [(instance, "RESOURCE:MEMORY")])

    def test_binpack_fills_the_fuller_instance_first(self):
        cluster = self.make_cluster()
        roomy = self.fake_instance(cluster, memory=4096)
        full = self.fake_instance(cluster, memory=4096)
        # StartTask puts 3 GiB on `full`: 1 GiB is left there.
        big = self.definition(memory=3072)
        started = self.ecs.start_task(cluster=cluster, taskDefinition=big,
                                      containerInstances=[full])
        self.assertEqual(self.placed_on(started), [full])
        small = self.definition(memory=256)
        placed = self.placed_on(self.ecs.run_task(
            cluster=cluster, taskDefinition=small, count=4,
            placementStrategy=[{"type": "binpack", "field": "memory"}]))
        self.assertEqual(placed, [full] * 4)
        # `full` is full now: the next goes to the roomy one.
        placed = self.placed_on(self.ecs.run_task(
            cluster=cluster, taskDefinition=small,
            placementStrategy=[{"type": "binpack", "field": "memory"}]))
        self.assertEqual(placed, [roomy])

    def test_distinct_instance_places_one_task_per_instance(self):
        cluster = self.make_cluster()
        a, b = self.fake_instance(cluster), self.fake_instance(cluster)
        family = self.definition()
        answer = self.ecs.run_task(cluster=cluster, taskDefinition=family, count=3,
                                   placementConstraints=[{"type": "distinctInstance"}])
        self.assertEqual(sorted(t["containerInstanceArn"] for t in answer["tasks"]),
                         sorted([a, b]))
        self.assertEqual(sorted(f["reason"] for f in answer["failures"]),
                         ["ATTRIBUTE", "ATTRIBUTE"])
        self.assertEqual(sorted(f["arn"] for f in answer["failures"]), sorted([a, b]))

    def test_deregister_needs_force_while_tasks_are_there(self):
        cluster = self.make_cluster()
        busy = self.fake_instance(cluster)
        idle = self.fake_instance(cluster)
        family = self.definition()
        task = self.ecs.start_task(cluster=cluster, taskDefinition=family,
                                   containerInstances=[busy])["tasks"][0]
        self.assertClientError("InvalidParameterException",
                               self.ecs.deregister_container_instance,
                               cluster=cluster, containerInstance=busy)
        self.assertEqual(instance_of(self.ecs, busy, cluster)["status"], "ACTIVE")

        gone = self.ecs.deregister_container_instance(cluster=cluster, containerInstance=idle)
        self.assertEqual(gone["containerInstance"]["status"], "INACTIVE")
        forced = self.ecs.deregister_container_instance(cluster=cluster, containerInstance=busy,
                                                        force=True)
        self.assertEqual(forced["containerInstance"]["status"], "INACTIVE")
        self.assertEqual(self.ecs.list_container_instances(cluster=cluster)
                         ["containerInstanceArns"], [])
        # Deregistered instances stay describable, INACTIVE.
        described = self.ecs.describe_container_instances(
            cluster=cluster, containerInstances=[busy, idle])["containerInstances"]
        self.assertEqual([i["status"] for i in described], ["INACTIVE", "INACTIVE"])
        counts = self.ecs.describe_clusters(clusters=[cluster])["clusters"][0]
        self.assertEqual(counts["registeredContainerInstancesCount"], 0)
        self.assertTrue(self.ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])
                        ["tasks"])
        # Nothing is left to place on.
        self.assertClientError("InvalidParameterException", self.ecs.run_task,
                               cluster=cluster, taskDefinition=family)

    def test_an_empty_cluster_has_nowhere_to_run(self):
        cluster = self.make_cluster()
        family = self.definition()
        response = self.assertClientError("InvalidParameterException", self.ecs.run_task,
                                          cluster=cluster, taskDefinition=family)
        self.assertEqual(response["Error"]["Message"],
                         "No Container Instances were found in your cluster.")
        self.assertClientError("ClusterNotFoundException", self.ecs.run_task,
                               cluster=self.unique("nowhere"), taskDefinition=family)

    def test_aws_cli_run_task_with_a_strategy(self):
        cluster = self.make_cluster()
        a, b = self.fake_instance(cluster), self.fake_instance(cluster)
        family = self.definition()
        ran = self.assertCliOk(self.gantry.aws(
            "run-task", "--cluster", cluster, "--task-definition", family, "--count", "2",
            "--placement-strategy", "type=spread,field=instanceId"))
        self.assertEqual(ran["failures"], [])
        self.assertEqual(sorted(t["containerInstanceArn"] for t in ran["tasks"]), sorted([a, b]))
        arns = [t["taskArn"] for t in ran["tasks"]]
        described = self.assertCliOk(self.gantry.aws(
            "describe-tasks", "--cluster", cluster, "--tasks", *arns))
        self.assertEqual(sorted(t["taskArn"] for t in described["tasks"]), sorted(arns))
        self.assertTrue(all(t["lastStatus"] == "PROVISIONING" for t in described["tasks"]))
        failed = self.assertCliOk(self.gantry.aws(
            "run-task", "--cluster", cluster, "--task-definition", self.definition(memory=4096)))
        self.assertEqual(sorted(f["reason"] for f in failed["failures"]),
                         ["RESOURCE:MEMORY", "RESOURCE:MEMORY"])


if __name__ == "__main__":
    unittest.main()
