"""Network faults, against a scripted local HTTP server: retries with backoff on connection
errors and 5xx, never on 4xx; the bearer token; error bodies that are not Lineage's."""
import http.server
import json
import socket
import threading
import time
import unittest

import support  # noqa: F401  (puts the SDK on sys.path)
import lineage


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers with the next (status, body) of the server's script; records every request."""

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        status, payload = self.server.script.pop(0) if self.server.script else (200, {"ok": True})
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class TransportTests(unittest.TestCase):
    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
        self.server.script = []
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def client(self, **kwargs):
        kwargs.setdefault("backoff", 0.01)
        kwargs.setdefault("max_retries", 3)
        return lineage.Client(self.url, **kwargs)

    def test_bearer_token_and_json(self):
        self.server.script = [(201, {"id": 1, "name": "x y", "status": "running", "config": {}})]
        experiment = self.client(token="s3cret").create_experiment({"name": "x y"})
        self.assertEqual(experiment.name, "x y")
        method, path, headers, body = self.server.requests[0]
        self.assertEqual((method, path), ("POST", "/api/v1/experiments"))
        self.assertEqual(headers["Authorization"], "Bearer s3cret")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(json.loads(body), {"name": "x y"})

    def test_url_and_token_from_the_environment(self):
        import os
        from unittest import mock

        with mock.patch.dict(os.environ, {"LINEAGE_URL": self.url + "/api/v1/", "LINEAGE_TOKEN": "from-env"}):
            client = lineage.Client()
        self.assertEqual(client.url, self.url)
        self.assertEqual(client.token, "from-env")
        self.server.script = [(200, [])]
        client.list_experiments()
        self.assertEqual(self.server.requests[0][2]["Authorization"], "Bearer from-env")
        self.assertEqual(self.server.requests[0][1], "/api/v1/experiments")

    def test_no_token_no_header(self):
        from unittest import mock
        import os

        with mock.patch.dict(os.environ, {"LINEAGE_TOKEN": ""}):
            self.client().list_experiments()
        self.assertNotIn("Authorization", self.server.requests[0][2])

    def test_5xx_is_retried(self):
        self.server.script = [
            (503, {"error": {"code": "internal", "message": "starting"}}),
            (502, b"<html>bad gateway</html>"),
            (200, [{"name": "a"}]),
        ]
        self.assertEqual(self.client().list_experiments(), [{"name": "a"}])
        self.assertEqual(len(self.server.requests), 3)

    def test_5xx_gives_up_after_the_retries(self):
        self.server.script = [(500, {"error": {"code": "internal", "message": "boom"}})] * 10
        with self.assertRaises(lineage.ApiError) as caught:
            self.client(max_retries=2).list_experiments()
        self.assertEqual((caught.exception.status, caught.exception.code), (500, "internal"))
        self.assertEqual(len(self.server.requests), 3)

    def test_4xx_is_never_retried(self):
        for status, code in [(400, "invalid_input"), (404, "job_not_found"), (409, "member_busy"), (429, "too_many")]:
            self.server.requests.clear()
            self.server.script = [(status, {"error": {"code": code, "message": "no", "field": "f", "accepted": "g"}})] * 3
            with self.assertRaises(lineage.ApiError) as caught:
                self.client().list_experiments()
            self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.field), (status, code, "f"))
            self.assertEqual(caught.exception.accepted, "g")
            self.assertEqual(len(self.server.requests), 1, code)

    def test_lease_invalid_is_a_lease_expired_error(self):
        self.server.script = [(409, {"error": {"code": "lease_invalid", "message": "job 3: the lease expired"}})]
        with self.assertRaises(lineage.LeaseExpiredError) as caught:
            self.client().request("POST", "/jobs/3/heartbeat", {"leaseToken": "t"})
        self.assertEqual(len(self.server.requests), 1)
        self.assertIn("the lease expired", str(caught.exception))

    def test_complete_whose_answer_was_lost(self):
        job = {"id": 7, "member": 0, "generation": 0, "attempt": 0, "workerId": "w", "hyperparameters": {}, "results": {}}
        experiment = lineage.Experiment(self.client(), {"name": "e", "status": "running"})
        self.server.script = [
            (200, {"status": "job", "job": job, "leaseToken": "t", "leaseExpiresAt": "", "heartbeatSeconds": 100}),
            # The first complete went through, but its answer was lost (a proxy's 502).
            (502, b"bad gateway"),
            (409, {"error": {"code": "lease_invalid", "message": "job 7 is done; its lease is over"}}),
            (200, dict(job, status="done", results={"accuracy": 1})),
        ]
        leased = experiment.next_job(heartbeat=False)
        self.assertEqual(leased.complete({"accuracy": 1})["status"], "done")
        self.assertEqual([r[1] for r in self.server.requests], ["/api/v1/experiments/e/next-job", "/api/v1/jobs/7/complete", "/api/v1/jobs/7/complete", "/api/v1/jobs/7"])

        # The same, but the job was crashed by the lease reaper: a real lost lease.
        self.server.requests.clear()
        self.server.script = [
            (200, {"status": "job", "job": job, "leaseToken": "t", "leaseExpiresAt": "", "heartbeatSeconds": 100}),
            (409, {"error": {"code": "lease_invalid", "message": "job 7 is crashed"}}),
            (200, dict(job, status="crashed")),
        ]
        leased = experiment.next_job(heartbeat=False)
        with self.assertRaises(lineage.LeaseExpiredError):
            leased.complete({"accuracy": 1})

    def test_4xx_that_is_not_json(self):
        self.server.script = [(404, b"not here")]
        with self.assertRaises(lineage.ApiError) as caught:
            self.client().list_experiments()
        self.assertEqual(caught.exception.status, 404)
        self.assertIn("not here", caught.exception.message)

    def test_connection_refused_is_retried_then_a_network_error(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # nothing listens there now
        client = lineage.Client(f"http://127.0.0.1:{port}", max_retries=3, backoff=0.05)
        started = time.monotonic()
        with self.assertRaises(lineage.NetworkError) as caught:
            client.list_experiments()
        self.assertIsInstance(caught.exception, ConnectionError)
        self.assertIn("4 attempts", str(caught.exception))
        self.assertGreater(time.monotonic() - started, 0.05 * (0.5 + 1 + 2) * 0.9)

    def test_server_that_comes_back(self):
        # The server goes away and returns on the same port while the client backs off.
        port = self.server.server_address[1]
        self.tearDown()
        client = lineage.Client(f"http://127.0.0.1:{port}", max_retries=8, backoff=0.1)

        def restart():
            time.sleep(0.4)
            self.setUpOn(port)

        threading.Thread(target=restart).start()
        self.assertEqual(client.list_experiments(), {"ok": True})

    def setUpOn(self, port):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Scripted)
        self.server.script = []
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


class ValuesTests(unittest.TestCase):
    def test_conversion(self):
        from lineage._values import to_json_value
        import pathlib

        class Scalar:
            def item(self):
                return 2

        self.assertEqual(to_json_value({"p": pathlib.Path("/a/b"), "s": Scalar(), 3: (1, 2)}), {"p": "/a/b", "s": 2, "3": [1, 2]})
        for bad in [float("nan"), float("inf"), {"a": [float("-inf")]}, {"a": {1, 2}}]:
            with self.assertRaises(lineage.InvalidResultsError):
                to_json_value(bad, "results")
        with self.assertRaises(ValueError):  # InvalidResultsError is a ValueError too
            to_json_value(float("nan"))

    def test_non_finite_results_and_metrics_are_written_as_the_servers_strings(self):
        from lineage._values import to_json_value, to_metric_value
        import json

        converted = to_json_value({"loss": float("nan"), "up": [float("inf")], "down": {"x": float("-inf")}}, "results", non_finite="text")
        self.assertEqual(converted, {"loss": "NaN", "up": ["Infinity"], "down": {"x": "-Infinity"}})
        json.dumps(converted, allow_nan=False)  # valid JSON, unlike json.dumps(float("nan"))
        self.assertEqual(to_metric_value(float("nan"), "loss"), "NaN")
        self.assertEqual(to_metric_value(float("-inf"), "loss"), "-Infinity")
        self.assertEqual(to_metric_value(0.5, "loss"), 0.5)
        for bad in ["0.5", None, True, [1.0]]:
            with self.assertRaises(lineage.InvalidResultsError):
                to_metric_value(bad, "loss")


class NamesTests(unittest.TestCase):
    def test_server_keys_become_snake_case_but_user_data_keeps_its_keys(self):
        from lineage._names import snake_keys

        job = {
            "id": 3, "parentId": 2, "donorJobId": 2, "exploitReason": "bottom quantile", "workerId": "w",
            "hyperparameters": {"learningRate": 0.1, "nested": {"keepMe": 1}},
            "results": {"maxAccuracy": 0.9, "modelPath": "/m"},
            "mutations": [{"parameter": "learningRate", "old": {"aB": 1}, "new": {"aB": 2}, "operation": "perturb*1.2"}],
        }
        self.assertEqual(snake_keys(job), {
            "id": 3, "parent_id": 2, "donor_job_id": 2, "exploit_reason": "bottom quantile", "worker_id": "w",
            "hyperparameters": {"learningRate": 0.1, "nested": {"keepMe": 1}},
            "results": {"maxAccuracy": 0.9, "modelPath": "/m"},
            "mutations": [{"parameter": "learningRate", "old": {"aB": 1}, "new": {"aB": 2}, "operation": "perturb*1.2"}],
        })
        experiment = {"lastEventSeq": 4, "config": {"populationSize": 2, "stop": {"maxGenerations": 3}}}
        self.assertEqual(snake_keys(experiment), {"last_event_seq": 4, "config": {"populationSize": 2, "stop": {"maxGenerations": 3}}})
        schedule = {"schedule": {"bestJobId": 9, "steps": [{"jobId": 9, "hyperparameters": {"lR": 1}}]}}
        self.assertEqual(snake_keys(schedule), {"schedule": {"best_job_id": 9, "steps": [{"job_id": 9, "hyperparameters": {"lR": 1}}]}})


if __name__ == "__main__":
    unittest.main()
