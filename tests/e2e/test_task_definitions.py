"""Task definitions end to end: RegisterTaskDefinition round-trips every
member ECS accepts, ECS's registration rules, describing, listing,
deregistering and deleting, through boto3 and the aws cli."""
import datetime
import json
import os
import tempfile
import unittest

from gantry_process import ACCOUNT_ID, ClientError, GantryTestCase
from task_definition_samples import (expected_registered, fargate_service, minimal,
                                     web_service, without_computed)


def td_arn(family, revision, region="us-east-1"):
    return "arn:aws:ecs:%s:%s:task-definition/%s:%d" % (region, ACCOUNT_ID, family, revision)


class RegisterTaskDefinitionTest(GantryTestCase):

    def assertComputed(self, definition, family, revision):
        self.assertEqual(definition["taskDefinitionArn"], td_arn(family, revision))
        self.assertEqual(definition["revision"], revision)
        self.assertEqual(definition["status"], "ACTIVE")
        self.assertIsInstance(definition["registeredAt"], datetime.datetime)
        age = datetime.datetime.now(datetime.timezone.utc) - definition["registeredAt"]
        self.assertLess(abs(age.total_seconds()), 300, definition["registeredAt"])
        self.assertTrue(definition["registeredBy"].startswith("arn:aws:iam::%s:" % ACCOUNT_ID),
                        definition["registeredBy"])
        self.assertIsInstance(definition["requiresAttributes"], list)
        self.assertTrue(definition["requiresAttributes"], "requiresAttributes is empty")
        for attribute in definition["requiresAttributes"]:
            self.assertTrue(attribute.get("name"), attribute)
        self.assertNotIn("deregisteredAt", definition)

    def test_every_member_round_trips_in_bridge_mode(self):
        family = self.unique("web-service")
        request = web_service(family)
        response = self.ecs.register_task_definition(**request)
        registered = response["taskDefinition"]
        self.assertEqual(response["tags"], request["tags"])
        self.assertComputed(registered, family, 1)
        self.assertIn("EC2", registered["compatibilities"])
        self.assertNotIn("FARGATE", registered["compatibilities"])
        attributes = {a["name"] for a in registered["requiresAttributes"]}
        for needed in ("com.amazonaws.ecs.capability.task-iam-role",
                       "ecs.capability.execution-role-awslogs",
                       "ecs.capability.container-health-check",
                       "ecs.capability.secrets.ssm.environment-variables",
                       "ecs.capability.secrets.asm.environment-variables",
                       "ecs.capability.efs"):
            self.assertIn(needed, attributes)
        self.maxDiff = None
        self.assertEqual(without_computed(registered), expected_registered(request))

        described = self.ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
        self.assertEqual(described["taskDefinition"], registered)
        self.assertEqual(described["tags"], request["tags"])

    def test_fargate_definition_is_normalized(self):
        family = self.unique("fargate-api")
        request = fargate_service(family)
        registered = self.ecs.register_task_definition(**request)["taskDefinition"]
        self.assertComputed(registered, family, 1)
        self.assertIn("FARGATE", registered["compatibilities"])
        self.assertIn("EC2", registered["compatibilities"])
        self.assertIn("ecs.capability.task-eni",
                      {a["name"] for a in registered["requiresAttributes"]})
        expected = expected_registered(request)
        expected["cpu"], expected["memory"] = "1024", "2048"
        self.maxDiff = None
        self.assertEqual(without_computed(registered), expected)
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"],
                         registered)

    def assertRefused(self, definition, codes=("ClientException",)):
        with self.assertRaises(ClientError) as raised:
            self.ecs.register_task_definition(**definition)
        error = raised.exception.response["Error"]
        self.assertIn(error.get("Code"), codes, raised.exception)
        self.assertTrue(error.get("Message"), "the refusal needs a message")
        families = self.ecs.list_task_definition_families(familyPrefix=definition["family"])
        self.assertEqual(families["families"], [], "a refused definition was stored")

    def test_refuses_invalid_definitions(self):
        cases = {
            "fargate size": fargate_service(self.unique("bad-size")),
            "fargate bridge": fargate_service(self.unique("bad-mode")),
            "no essential": minimal(self.unique("bad-essential")),
            "duplicate names": minimal(self.unique("bad-dupe")),
            "no memory": minimal(self.unique("bad-memory")),
        }
        cases["fargate size"].update(cpu="256", memory="8192")
        cases["fargate bridge"]["networkMode"] = "bridge"
        cases["no essential"]["containerDefinitions"][0]["essential"] = False
        dupe = cases["duplicate names"]["containerDefinitions"]
        dupe.append(dict(dupe[0]))
        del cases["no memory"]["containerDefinitions"][0]["memory"]
        for case, definition in cases.items():
            with self.subTest(case=case):
                self.assertRefused(definition)

    def test_refuses_invalid_family(self):
        self.assertRefused(minimal("bad family!"),
                           codes=("ClientException", "InvalidParameterException"))

    def test_revisions_increase_per_family(self):
        first, second = self.unique("rev-a"), self.unique("rev-b")
        revisions = [self.ecs.register_task_definition(**minimal(first))["taskDefinition"]["revision"]
                     for _ in range(3)]
        self.assertEqual(revisions, [1, 2, 3])
        other = self.ecs.register_task_definition(**minimal(second))["taskDefinition"]
        self.assertEqual(other["revision"], 1)
        self.assertEqual(other["taskDefinitionArn"], td_arn(second, 1))

    def test_describe_by_family_revision_and_arn(self):
        family = self.unique("describe")
        self.ecs.register_task_definition(**minimal(family, tags=[{"key": "v", "value": "1"}]))
        self.ecs.register_task_definition(**minimal(family, memory="256"))
        latest = self.ecs.describe_task_definition(taskDefinition=family)
        self.assertEqual(latest["taskDefinition"]["revision"], 2)
        self.assertEqual(latest["taskDefinition"]["memory"], "256")
        self.assertEqual(latest.get("tags", []), [])
        by_revision = self.ecs.describe_task_definition(taskDefinition=family + ":1",
                                                        include=["TAGS"])
        self.assertEqual(by_revision["taskDefinition"]["revision"], 1)
        self.assertEqual(by_revision["tags"], [{"key": "v", "value": "1"}])
        by_arn = self.ecs.describe_task_definition(taskDefinition=td_arn(family, 1))
        self.assertEqual(by_arn["taskDefinition"], by_revision["taskDefinition"])
        for unknown in (self.unique("nope"), family + ":3", td_arn(family, 9)):
            with self.subTest(unknown=unknown):
                self.assertClientError("ClientException", self.ecs.describe_task_definition,
                                       taskDefinition=unknown)

    def test_aws_cli_register_describe_list(self):
        family = self.unique("cli-web")
        request = web_service(family)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(request, f)
        try:
            registered = self.assertCliOk(self.gantry.aws(
                "register-task-definition", "--cli-input-json", "file://" + f.name))
        finally:
            os.unlink(f.name)
        definition = registered["taskDefinition"]
        self.assertEqual(definition["taskDefinitionArn"], td_arn(family, 1))
        self.assertEqual(registered["tags"], request["tags"])
        self.maxDiff = None
        self.assertEqual(without_computed(definition), expected_registered(request))

        described = self.assertCliOk(self.gantry.aws(
            "describe-task-definition", "--task-definition", family + ":1", "--include", "TAGS"))
        self.assertEqual(described["taskDefinition"], definition)
        self.assertEqual(described["tags"], request["tags"])

        listed = self.assertCliOk(self.gantry.aws("list-task-definitions",
                                                  "--family-prefix", family))
        self.assertEqual(listed["taskDefinitionArns"], [td_arn(family, 1)])
        self.assertCliFailed(self.gantry.aws("describe-task-definition", "--task-definition",
                                             family + ":7"), "ClientException")


class TaskDefinitionLifecycleTest(GantryTestCase):

    def register(self, family, count=1):
        return [self.ecs.register_task_definition(**minimal(family))["taskDefinition"]
                for _ in range(count)]

    def list_all(self, page_size, **kwargs):
        arns, token, pages = [], None, 0
        while True:
            page = self.ecs.list_task_definitions(maxResults=page_size, **kwargs,
                                                  **({"nextToken": token} if token else {}))
            self.assertLessEqual(len(page["taskDefinitionArns"]), page_size)
            arns += page["taskDefinitionArns"]
            pages += 1
            token = page.get("nextToken")
            if not token:
                return arns, pages
            self.assertLess(pages, 100, "pagination does not end")

    def test_list_task_definitions(self):
        alpha, beta = self.unique("list-alpha"), self.unique("list-beta")
        self.register(alpha, 5)
        self.register(beta, 2)
        self.ecs.deregister_task_definition(taskDefinition=alpha + ":2")
        active_alpha = [td_arn(alpha, r) for r in (1, 3, 4, 5)]

        self.assertEqual(self.ecs.list_task_definitions(familyPrefix=alpha)["taskDefinitionArns"],
                         active_alpha)
        self.assertEqual(self.ecs.list_task_definitions(
            familyPrefix=alpha, status="INACTIVE")["taskDefinitionArns"], [td_arn(alpha, 2)])
        self.assertEqual(self.ecs.list_task_definitions(
            familyPrefix=alpha, sort="DESC")["taskDefinitionArns"], active_alpha[::-1])

        arns, pages = self.list_all(2, familyPrefix=alpha)
        self.assertEqual(arns, active_alpha)
        self.assertEqual(pages, 2)
        arns, _ = self.list_all(2, familyPrefix=alpha, sort="DESC")
        self.assertEqual(arns, active_alpha[::-1])

        everything, _ = self.list_all(2)
        self.assertEqual(len(everything), len(set(everything)))
        self.assertTrue(set(active_alpha + [td_arn(beta, 1), td_arn(beta, 2)]) <= set(everything))
        self.assertNotIn(td_arn(alpha, 2), everything)
        full = self.ecs.get_paginator("list_task_definitions").paginate(
            PaginationConfig={"PageSize": 3}).build_full_result()
        self.assertEqual(full["taskDefinitionArns"], everything)

    def test_list_task_definition_families(self):
        prefix = self.unique("fam") + "-"
        one, two, three = prefix + "one", prefix + "two", prefix + "three"
        for family in (one, two, three):
            self.register(family)
        self.register(self.unique("outside"))
        self.ecs.deregister_task_definition(taskDefinition=three + ":1")

        def families(**kwargs):
            return self.ecs.list_task_definition_families(familyPrefix=prefix,
                                                          **kwargs)["families"]

        self.assertEqual(families(), sorted([one, two, three]))
        self.assertEqual(families(status="ALL"), sorted([one, two, three]))
        self.assertEqual(families(status="ACTIVE"), sorted([one, two]))
        self.assertEqual(families(status="INACTIVE"), [three])

        collected, token = [], None
        for _ in range(10):
            page = self.ecs.list_task_definition_families(
                familyPrefix=prefix, maxResults=1, **({"nextToken": token} if token else {}))
            self.assertLessEqual(len(page["families"]), 1)
            collected += page["families"]
            token = page.get("nextToken")
            if not token:
                break
        self.assertIsNone(token, "pagination does not end")
        self.assertEqual(collected, sorted([one, two, three]))

    def test_deregister(self):
        family = self.unique("dereg")
        self.register(family, 3)
        deregistered = self.ecs.deregister_task_definition(taskDefinition=family + ":3")
        definition = deregistered["taskDefinition"]
        self.assertEqual(definition["status"], "INACTIVE")
        self.assertEqual(definition["taskDefinitionArn"], td_arn(family, 3))
        self.assertIsInstance(definition["deregisteredAt"], datetime.datetime)
        self.assertGreaterEqual(definition["deregisteredAt"], definition["registeredAt"])

        # The family now resolves to the newest ACTIVE revision.
        latest = self.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        self.assertEqual(latest["revision"], 2)
        self.assertEqual(latest["status"], "ACTIVE")
        inactive = self.ecs.describe_task_definition(taskDefinition=td_arn(family, 3))
        self.assertEqual(inactive["taskDefinition"]["status"], "INACTIVE")

        self.assertClientError("ClientException", self.ecs.deregister_task_definition,
                               taskDefinition=family)
        self.assertClientError("ClientException", self.ecs.deregister_task_definition,
                               taskDefinition=family + ":9")
        # A new revision after a deregistered one takes the next number.
        self.assertEqual(self.register(family)[0]["revision"], 4)

    def test_delete_task_definitions(self):
        family = self.unique("delete")
        self.register(family, 2)
        self.ecs.deregister_task_definition(taskDefinition=family + ":1")
        response = self.ecs.delete_task_definitions(
            taskDefinitions=[td_arn(family, 1), family + ":2", family + ":9"])
        deleted = response["taskDefinitions"]
        self.assertEqual([d["taskDefinitionArn"] for d in deleted], [td_arn(family, 1)])
        self.assertEqual(deleted[0]["status"], "DELETE_IN_PROGRESS")

        failures = {f["arn"]: f["reason"] for f in response["failures"]}
        self.assertEqual(len(response["failures"]), 2, response["failures"])
        active_reason = [r for arn, r in failures.items() if (family + ":2") in arn]
        self.assertEqual(len(active_reason), 1, failures)
        self.assertIn("ACTIVE", active_reason[0])
        unknown_reason = [r for arn, r in failures.items() if (family + ":9") in arn]
        self.assertEqual(len(unknown_reason), 1, failures)
        self.assertTrue(unknown_reason[0])

        described = self.ecs.describe_task_definition(taskDefinition=td_arn(family, 1))
        self.assertEqual(described["taskDefinition"]["status"], "DELETE_IN_PROGRESS")
        self.assertNotIn(td_arn(family, 1), self.ecs.list_task_definitions(
            familyPrefix=family, status="INACTIVE")["taskDefinitionArns"])
        self.assertEqual(self.ecs.list_task_definitions(
            familyPrefix=family, status="DELETE_IN_PROGRESS")["taskDefinitionArns"],
            [td_arn(family, 1)])
        families = self.ecs.list_task_definition_families()["families"]
        self.assertNotIn("", families, "a deletion created a family without a name")
        self.assertEqual(self.ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"],
                         [td_arn(family, 2)])


if __name__ == "__main__":
    unittest.main()
