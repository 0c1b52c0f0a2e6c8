"""The AWS JSON 1.1 protocol and SigV4 on the wire: raw HTTP requests,
signed with botocore's own signer (or deliberately not), against a real
gantry. Every bad request here is a write; the last test checks that none
of them changed anything and that the server still answers."""
import datetime
import http.client
import json
import select
import socket
import time
import unittest
import urllib.parse
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gantry_process import GantryTestCase, REGION, TARGET_PREFIX

CONTENT_TYPE = "application/x-amz-json-1.1"
HTTP_TIMEOUT_S = 10


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)


class ProtocolTest(GantryTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        url = urllib.parse.urlsplit(cls.gantry.endpoint)
        cls.host, cls.port = url.hostname, url.port
        cls.clusters_before = sorted(cls.ecs.list_clusters()["clusterArns"])
        cls.families_before = cls.ecs.list_task_definition_families()["families"]

    # -- requests --------------------------------------------------------------

    def send(self, headers, body):
        if isinstance(body, str):
            body = body.encode()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT_S)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            return Response(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def signed_headers(self, operation, body, secret=None, access_key=None, region=REGION):
        credentials = Credentials(access_key or self.gantry.access_key,
                                  secret or self.gantry.secret_key)
        request = AWSRequest(method="POST", url=self.gantry.endpoint + "/", data=body,
                             headers={"Content-Type": CONTENT_TYPE,
                                      "X-Amz-Target": TARGET_PREFIX + operation})
        SigV4Auth(credentials, "ecs", region).add_auth(request)
        return dict(request.headers.items())

    def call(self, operation, payload, **signing):
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        body = body.encode() if isinstance(body, str) else body
        return self.send(self.signed_headers(operation, body, **signing), body)

    def assertError(self, response, status, error_type, message_part=None):
        self.assertEqual(response.status, status, response.body)
        self.assertEqual(response.headers.get("content-type"), CONTENT_TYPE)
        self.assertTrue(response.headers.get("x-amzn-requestid"), response.headers)
        body = response.json()
        self.assertEqual(set(body), {"__type", "message"}, body)
        self.assertEqual(body["__type"].split("#")[-1], error_type, body)
        self.assertTrue(body["message"], body)
        if message_part:
            self.assertIn(message_part, body["message"])
        return body

    def create_cluster_body(self, name):
        return json.dumps({"clusterName": name}).encode()

    # -- authentication --------------------------------------------------------

    def test_signed_request_succeeds(self):
        response = self.call("ListClusters", {})
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(response.headers.get("content-type"), CONTENT_TYPE)
        self.assertTrue(response.headers.get("x-amzn-requestid"))
        self.assertIn("clusterArns", response.json())
        again = self.call("ListClusters", {})
        self.assertNotEqual(again.headers["x-amzn-requestid"],
                            response.headers["x-amzn-requestid"])

    def test_unsigned_request(self):
        response = self.send({"Content-Type": CONTENT_TYPE,
                              "X-Amz-Target": TARGET_PREFIX + "CreateCluster"},
                             self.create_cluster_body("unsigned"))
        self.assertError(response, 403, "MissingAuthenticationTokenException")

    def test_wrong_secret(self):
        response = self.call("CreateCluster", {"clusterName": "wrong-secret"},
                             secret="x" * 40)
        self.assertError(response, 403, "InvalidSignatureException")

    def test_unknown_access_key(self):
        response = self.call("CreateCluster", {"clusterName": "unknown-key"},
                             access_key="AKIAIOSFODNN7EXAMPLE", secret="y" * 40)
        self.assertError(response, 403, "UnrecognizedClientException")

    def test_expired_signature(self):
        past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) \
            - datetime.timedelta(minutes=20)
        body = self.create_cluster_body("expired")
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: past):
            headers = self.signed_headers("CreateCluster", body)
        self.assertEqual(headers["X-Amz-Date"], past.strftime("%Y%m%dT%H%M%SZ"))
        response = self.send(headers, body)
        self.assertError(response, 403, "InvalidSignatureException", "Signature expired")

    def test_malformed_authorization(self):
        body = self.create_cluster_body("malformed")
        for authorization in ("AWS4-HMAC-SHA256 garbage",
                              "AWS4-HMAC-SHA256 Credential=%s/20240101/us-east-1/ecs/aws4_request"
                              % self.gantry.access_key):
            with self.subTest(authorization=authorization):
                headers = self.signed_headers("CreateCluster", body)
                headers["Authorization"] = authorization
                self.assertError(self.send(headers, body), 400, "IncompleteSignatureException")

    def test_body_tampered_after_signing(self):
        body = self.create_cluster_body("signed-name")
        headers = self.signed_headers("CreateCluster", body)
        tampered = self.create_cluster_body("other-name")
        self.assertError(self.send(headers, tampered), 403, "InvalidSignatureException")

    # -- operations and bodies ---------------------------------------------------

    def test_unknown_operation(self):
        response = self.call("NoSuchThing", {})
        self.assertError(response, 400, "UnknownOperationException")

    def test_operation_not_implemented(self):
        # An ECS operation in the API model that gantry does not serve.
        response = self.call("ListDaemons", {})
        self.assertError(response, 400, "UnknownOperationException")

    def test_malformed_json(self):
        for body in ('{"clusterName": "half', "[1, 2]", "not json at all"):
            with self.subTest(body=body):
                self.assertError(self.call("CreateCluster", body), 400, "SerializationException")

    def test_member_of_wrong_type(self):
        self.assertError(self.call("CreateCluster", {"clusterName": 5}), 400,
                         "SerializationException")
        self.assertError(self.call("CreateCluster", {"clusterName": "t", "tags": "a=b"}), 400,
                         "SerializationException")

    def test_unknown_member(self):
        self.assertError(self.call("CreateCluster", {"clusterName": "unknown-member",
                                                     "bogusMember": 1}),
                         400, "InvalidParameterException", "bogusMember")

    def test_missing_required_member(self):
        body = {"containerDefinitions": [{"name": "a", "image": "busybox", "memory": 64}]}
        self.assertError(self.call("RegisterTaskDefinition", body), 400,
                         "InvalidParameterException", "family")

    def test_oversized_body(self):
        body = b'{"clusterName": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        headers = self.signed_headers("CreateCluster", body)
        status, raw = self.send_raw(headers, body)
        self.assertEqual(status, 413, raw[:300])
        self.assertIn(b"x-amzn-requestid", raw.lower())
        self.assertEqual(self.call("ListClusters", {}).status, 200)

    def send_raw(self, headers, body):
        """Sends while watching for an early answer: the server may refuse
        the body after its headers and close before reading the rest."""
        head = "POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n" % (
            self.host, self.port, len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        deadline = time.monotonic() + HTTP_TIMEOUT_S
        with socket.create_connection((self.host, self.port), timeout=HTTP_TIMEOUT_S) as sock:
            sock.sendall(head.encode())
            sent = 0
            while sent < len(body):
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                try:
                    sent += sock.send(body[sent:sent + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    break
            received = b""
            while time.monotonic() < deadline:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                received += chunk
                if b"\r\n\r\n" in received:
                    head_part, _, rest = received.partition(b"\r\n\r\n")
                    length = [int(line.split(b":")[1]) for line in head_part.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")]
                    if length and len(rest) >= length[0]:
                        break
        self.assertTrue(received, "no answer to an oversized body")
        return int(received.split(b" ", 2)[1]), received

    # -- nothing changed --------------------------------------------------------

    def test_zz_nothing_was_written_and_server_is_alive(self):
        # Named to run last in the class (unittest orders tests by name).
        self.assertTrue(self.gantry.running())
        self.assertEqual(sorted(self.ecs.list_clusters()["clusterArns"]), self.clusters_before)
        self.assertEqual(self.ecs.list_task_definition_families()["families"],
                         self.families_before)


if __name__ == "__main__":
    unittest.main()
