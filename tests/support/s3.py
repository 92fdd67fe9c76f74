"""A real S3-compatible server for tests: ``moto_server`` on 127.0.0.1, as a subprocess.

With ``enforce_auth`` the server checks credentials (moto's IAM emulation): the first few
unauthenticated calls create a user with an access key, and every later request must be signed
with it. Presigned URLs only work on a server without ``enforce_auth`` (a moto limitation), so
tests use one of each.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from .ports import free_port

MOTO = Path(sys.executable).with_name("moto_server")
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str
    access_key_id: str
    secret_access_key: str
    process: subprocess.Popen[bytes]

    def client(self, **overrides: Any) -> Any:
        options = {
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "config": Config(signature_version="s3v4", s3={"addressing_style": "path"}),
            **overrides,
        }
        return boto3.session.Session().client("s3", **options)

    def keys(self, bucket: str) -> set[str]:
        """Only the listing: safe while the controller deletes objects, which `objects` is not."""
        listing = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"] for o in listing}

    def objects(self, bucket: str) -> dict[str, bytes]:
        s3 = self.client()
        listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing
        }

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_s3_server(*, enforce_auth: bool = False) -> S3Server:
    assert MOTO.exists(), f"{MOTO} is missing: run `make setup`"
    port = free_port()
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    if enforce_auth:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
    process = subprocess.Popen(
        [str(MOTO), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.05)
    key_id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    if enforce_auth:
        iam = boto3.session.Session().client(
            "iam",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
        )
        iam.create_user(UserName="jobctl")
        key = iam.create_access_key(UserName="jobctl")["AccessKey"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="jobctl", PolicyName="s3", PolicyDocument=json.dumps(policy))
        key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]
    return S3Server(endpoint, key_id, secret, process)
