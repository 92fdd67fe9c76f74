"""Sinks that can go down and come back on the same port: a webhook receiver and an
S3-compatible server (moto, in this process, so its objects outlive a restart of its listener).

Down means the port is closed: connections are refused, as when a service is restarted or its
host is unreachable. A sink knows which Runs it received and under which message IDs, which is
what ``check`` compares with the results file.
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tests.support.ports import free_port

from .harness import Report


class Sink(ABC):
    @abstractmethod
    def spec(self) -> dict[str, Any]:
        """The Job's ``sink`` for this server."""

    @abstractmethod
    def up(self) -> None: ...

    @abstractmethod
    def down(self) -> None: ...

    @abstractmethod
    def received(self) -> dict[str, set[str]]:
        """Run ID -> the message IDs it arrived under (only call while up)."""

    def count(self) -> int:
        return len(self.received())

    def check(self, lines: list[str], report: Report) -> None:
        """Every results line arrived; a Run that arrived twice came with the same ID."""
        received = self.received()
        runs = [json.loads(line)["apiInfo"]["runId"] for line in lines]
        report.details["undelivered"] = sum(run not in received for run in runs)
        report.details["ids_per_result_over_1"] = sum(len(ids) > 1 for ids in received.values())
        report.lost += report.details["undelivered"]
        report.duplicated_results += report.details["ids_per_result_over_1"]

    def __enter__(self) -> Sink:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()


class WebhookSink(Sink):
    def __init__(self) -> None:
        self.port = free_port()
        self._received: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def spec(self) -> dict[str, Any]:
        return {"type": "webhook", "url": f"http://127.0.0.1:{self.port}/results"}

    def up(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                run = json.loads(body)["apiInfo"]["runId"]
                with sink._lock:
                    sink._received.setdefault(run, set()).add(self.headers.get("webhook-id", ""))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def received(self) -> dict[str, set[str]]:
        with self._lock:
            return {run: set(ids) for run, ids in self._received.items()}


class S3Sink(Sink):
    BUCKET = "chaos-results"

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: Any = None
        self._bucket_made = False
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIACHAOS",
            aws_secret_access_key="chaos-secret",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def spec(self) -> dict[str, Any]:
        return {
            "type": "s3",
            "bucket": self.BUCKET,
            "region": "us-east-1",
            "endpoint": self.endpoint,
            "forcePathStyle": True,
            "accessKeyId": "AKIACHAOS",
            "secretAccessKey": "chaos-secret",
        }

    def up(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        if not self._bucket_made:
            self._client.create_bucket(Bucket=self.BUCKET)
            self._bucket_made = True

    def down(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def received(self) -> dict[str, set[str]]:
        """One object per Run (``{job}/{jobRun}/{run}.json``): a second write replaces it."""
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self.BUCKET)
        keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
        return {key.rsplit("/", 1)[1].removesuffix(".json"): {key} for key in keys}
