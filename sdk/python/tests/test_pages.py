"""Lists the server sends a page at a time (a Link rel="next" header): read whole by the
transport, one page at a time by client.pages(), and never followed to another host."""
import http.server
import json
import threading
import unittest

import support
import lineage


class PagesAgainstTheServer(unittest.TestCase):
    def test_a_list_comes_back_whole_across_small_pages(self):
        client = support.client()
        name = support.unique_name("pages")
        experiment = client.create_experiment(support.config(name, populationSize=5))
        pushed = [experiment.add_job({"learning_rate": 0.01})["id"] for _ in range(5)]
        path = f"/experiments/{lineage.client.quote(name)}/jobs"
        # Two at a time: three pages, followed by the transport.
        self.assertEqual([j["id"] for j in client.request("GET", path, query={"limit": 2})], pushed)
        pages = list(client.pages(path, {"limit": 2}))
        self.assertEqual([len(p) for p in pages], [2, 2, 1])
        self.assertEqual([j["id"] for p in pages for j in p], pushed)
        self.assertEqual([j["id"] for j in experiment.jobs()], pushed)
        events = client.request("GET", f"/experiments/{lineage.client.quote(name)}/events", query={"limit": 3})
        self.assertEqual([e["seq"] for e in events], list(range(1, len(events) + 1)))
        self.assertGreater(len(events), 5)


class Linked(http.server.BaseHTTPRequestHandler):
    """Page n links to page n + 1 (the last page to `self.server.last_link`, if set)."""

    def do_GET(self):
        page = int(self.path.rsplit("page=", 1)[1]) if "page=" in self.path else 0
        data = json.dumps([page * 10, page * 10 + 1]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if page < 2:
            self.send_header("Link", f'</api/v1/things?page={page + 1}>; rel="next"')
        elif self.server.last_link:
            self.send_header("Link", f'<{self.server.last_link}>; rel="next"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class PagesAgainstAScriptedServer(unittest.TestCase):
    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Linked)
        self.server.last_link = None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.client = lineage.Client(f"http://127.0.0.1:{self.server.server_address[1]}", max_retries=0, token="t")

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def test_follows_next_links_to_the_end(self):
        self.assertEqual(self.client.request("GET", "/things"), [0, 1, 10, 11, 20, 21])

    def test_never_sends_the_token_to_another_host(self):
        self.server.last_link = "http://elsewhere.invalid/api/v1/things?page=3"
        with self.assertRaises(lineage.LineageError) as caught:
            self.client.request("GET", "/things")
        self.assertIn("elsewhere.invalid", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
