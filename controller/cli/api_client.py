"""A small client of the controller's REST API, for the ``jobs`` and ``jobruns`` commands.

It finds the workspace and project from the server (``/api/v1/server``) unless given, and turns
every failure into one ``ClientError`` line: the API's own error message, or how to reach the
controller when it cannot be reached.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import httpx

from ..vocabulary import API_KEY_VARIABLE

SERVER_ENV = "JOBCTL_SERVER"
DEFAULT_SERVER = "http://127.0.0.1:8642"


class ClientError(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def add_connection_options(parser: Any) -> None:
    parser.add_argument(
        "--server",
        default=os.environ.get(SERVER_ENV, DEFAULT_SERVER),
        help=f"controller URL (default: ${SERVER_ENV} or {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_VARIABLE),
        help=f"API key (default: ${API_KEY_VARIABLE})",
    )
    parser.add_argument("--workspace", help="workspace ID (default: the server's)")
    parser.add_argument("-p", "--project", help="project name (default: the server's)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")


class ApiClient:
    def __init__(self, args: argparse.Namespace) -> None:
        headers = {"x-api-key": args.api_key} if args.api_key else {}
        self.server = args.server.rstrip("/")
        self._http = httpx.Client(
            base_url=self.server, headers=headers, timeout=30, trust_env=False
        )
        workspace, project = args.workspace, args.project
        if workspace is None or project is None:
            info = self.request("GET", "/api/v1/server")
            workspace = workspace or info["workspaceId"]
            project = project or info["projectName"]
        self.base = f"/api/v1/workspace/{workspace}/projects/{project}"

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        try:
            response = self._http.request(method, path, json=body, params=params or None)
        except httpx.HTTPError as exc:
            raise ClientError(
                f"cannot reach the controller at {self.server} ({type(exc).__name__}); is "
                f"`jobctl run` running there? (--server, ${SERVER_ENV})",
                code=2,
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            message = data.get("message") if isinstance(data, dict) else response.text[:200]
            details = data.get("details") if isinstance(data, dict) else None
            lines = [f"{message} (HTTP {response.status_code})"]
            if isinstance(details, list):
                lines += [f"  {d}" for d in details]
            raise ClientError("\n".join(lines))
        return data

    def project(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        return self.request(method, f"{self.base}{path}", body, **params)

    def close(self) -> None:
        self._http.close()
