"""One attempt: a browser context from the pool, the user's API, a trace, a log, one final event.

Several attempts may run at once in one worker (one browser, a context each: fresh, or shared
with earlier attempts of the same JobRun, as ``contexts.py`` says). Output of user code (print,
logging) is routed to the log of the attempt whose task wrote it, through a context variable,
because ``sys.stdout`` is shared by all of them. Every attempt keeps its log; its trace is kept
as the Job's trace mode says. Both are uploaded where the request's ``uploads`` say (then removed
here) before the final event, which names what was kept (``artifacts``); without ``uploads`` they
stay in place (the controller shares this disk).

Errors map to the reference taxonomy: an API that does not exist or returns something that is
not JSON is the user's (category ``user``, never retried); an exception raised by the API is an
``execution`` error; a browser that dies under the attempt is ``infrastructure``. Timeouts are
the controller's business: it kills the worker.
"""

from __future__ import annotations

import json
import shutil
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..vocabulary import (
    AUTHENTICATE_ONLY_API,
    INLINE_RESULT_BYTES,
    ErrorCategory,
    ErrorCode,
    error,
    worker_event,
)
from .apis import (
    ApiLoader,
    ApiNotFoundError,
    Automation,
    ModuleLoadError,
    ProjectIncompleteError,
    accepts_extra_keywords,
    takes_page_only,
)
from .auth import Authenticator, AuthFailedError
from .callback import Upload
from .contexts import ContextPool
from .intuned_api import NonRetryableError, is_deferred_browser
from .intuned_bridge import intuned_context
from .logs import AttemptLog, current_log, project_secrets
from .runtime import Ask, AttemptContext, current_attempt
from .serialize import NotJsonError, ResultTooLargeError, result_text

Send = Callable[[dict[str, Any]], None]
RESULT_FILE = "result.json"


def playwright_proxy(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    proxy = {"server": f"{parts.scheme}://{parts.hostname}:{parts.port or 80}"}
    if parts.username:
        proxy["username"] = unquote(parts.username)
        proxy["password"] = unquote(parts.password or "")
    return proxy


class BrowserGoneError(Exception):
    pass


async def run_attempt(
    pool: ContextPool,
    apis: ApiLoader,
    request: dict[str, Any],
    artifacts: Path,
    *,
    send: Send,
    ask: Ask,
    upload: Upload,
) -> None:
    """``ask`` puts a question to the controller (an AuthSession's, the persistent store's)."""
    folder = artifacts / request["job_run_id"] / request["attempt_id"]
    folder.mkdir(parents=True, exist_ok=True)
    trace, log_path = folder / "trace.zip", folder / "log.txt"
    send(worker_event("started"))
    browser = pool.browser
    if not browser.is_connected():
        raise BrowserGoneError
    options: dict[str, Any] = {}
    if request.get("proxy"):
        options["proxy"] = playwright_proxy(request["proxy"])
    log = AttemptLog(
        log_path, project_secrets(), live=lambda text: send(worker_event("log", text=text))
    )
    log_token = current_log.set(log)
    attempt = AttemptContext(request, send, ask)
    attempt_token = current_attempt.set(attempt)
    lease, outcome, saved = None, None, False
    authenticator = Authenticator(browser, options, apis, ask, log)
    try:
        if request.get("auth_session"):
            lease = await pool.acquire(request, lambda: authenticator.context(request))
            send(worker_event("authenticated"))
        else:
            lease = await pool.acquire(request, lambda: browser.new_context(**options))
        with intuned_context(attempt):
            outcome = await _call_api(lease.page, pool, apis, request, log)
        if request.get("auth_session") and _execution_failure(outcome):
            outcome = await _unless_expired(outcome, authenticator, lease.page.context)
    except AuthFailedError as exc:
        outcome = worker_event("auth-failed", reason=exc.reason)
    except ProjectIncompleteError as exc:  # no check.py or create.py
        outcome = _failed(exc.code, "user", str(exc))
    except ModuleLoadError as exc:  # check.py or create.py does not import
        traceback.print_exc(file=log)
        outcome = _failed("api-load-error", "user", str(exc))
    finally:
        current_attempt.reset(attempt_token)
        current_log.reset(log_token)
        log.close()
        if lease is not None:  # also when cancelled: the context is then closed
            failed = outcome is None or outcome["type"] != "result"
            saved = await pool.release(lease, request, trace, failed=failed)
    assert outcome is not None
    if attempt.attributes:
        outcome = {**outcome, "attributes": attempt.attributes}
    kept = {"log.txt": log_path, **({"trace.zip": trace} if saved else {})}
    # artifacts first: their upload clears the folder the result file then goes to
    send(
        {
            "artifacts": await _deliver(kept, request.get("uploads") or {}, upload),
            **_carried(outcome, folder),
        }
    )
    if outcome.get("category") == "infrastructure" or not browser.is_connected():
        raise BrowserGoneError


def _carried(outcome: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A result up to ``INLINE_RESULT_BYTES`` travels in its event; a larger one as a file in
    the attempt folder, which the agent streams to the controller (and then removes)."""
    if "result_text" not in outcome:
        return outcome
    event = {name: value for name, value in outcome.items() if name != "result_text"}
    text = outcome["result_text"]
    if len(text) <= INLINE_RESULT_BYTES:
        return {**event, "result": json.loads(text)}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESULT_FILE).write_text(text, encoding="utf-8")
    return {**event, "result_file": str(folder / RESULT_FILE)}


async def _deliver(kept: dict[str, Path], uploads: dict[str, str], upload: Upload) -> list[str]:
    """Upload what was kept where the request says (then drop this copy); the names of the
    artifacts that are where the controller will look."""
    if not uploads:
        return sorted(kept)
    delivered = [name for name, path in kept.items() if await upload(uploads[name], path)]
    for folder in {path.parent for path in kept.values()}:
        shutil.rmtree(folder, ignore_errors=True)
    return sorted(delivered)


async def _call_api(
    page: Any, pool: ContextPool, apis: ApiLoader, request: dict[str, Any], log: Any
) -> dict[str, Any]:
    """The setup hook, then the API, called as Intuned calls them; their failures as the
    attempt's outcome."""
    if request["api_name"] == AUTHENTICATE_ONLY_API:  # an AuthSession operation: done by now
        return worker_event("result", result={"authSessionId": request["auth_session"]})
    try:
        automation = apis.load(request["api_name"])
        setup = apis.load_setup_hook()
    except ProjectIncompleteError as exc:
        return _failed(exc.code, "user", str(exc))
    except ApiNotFoundError as exc:
        return _failed("api-not-found", "user", str(exc))
    except ModuleLoadError as exc:
        traceback.print_exc(file=log)
        return _failed("api-load-error", "user", str(exc))
    parameters = request["parameters"]
    try:
        if setup is not None:
            await setup(
                api_name=f"api/{request['api_name']}",
                api_parameters=parameters,
                cdp_url=pool.cdp_url,
            )
        result = await _automation_call(automation, page, parameters, request)
    except Exception as exc:
        traceback.print_exc(file=log)
        if not pool.browser.is_connected():
            return _failed(
                "browser-crashed", "infrastructure", "the browser closed during the attempt"
            )
        code: ErrorCode = (
            "non-retryable-error" if isinstance(exc, NonRetryableError) else "automation-error"
        )
        return _failed(code, "execution", f"{type(exc).__name__}: {exc}")
    try:
        return worker_event("result", result_text=result_text(result))
    except NotJsonError as exc:
        return _failed(
            "invalid-result", "user", f"the API returned a value that is not JSON: {exc}"
        )
    except ResultTooLargeError as exc:
        return _failed("result-too-large", "user", str(exc))


def _automation_call(
    automation: Automation, page: Any, parameters: dict[str, Any], request: dict[str, Any]
) -> Awaitable[Any]:
    """``automation(page)`` for a Run without parameters when it binds, else
    ``automation(page, params)``; a ``deferred_browser`` API gets ``ensure_browser`` instead
    of the page (this attempt's, ready)."""
    extras = (
        {"attempt_number": request["attempt_number"]} if accepts_extra_keywords(automation) else {}
    )
    if is_deferred_browser(automation):

        async def ensure_browser() -> tuple[Any, Any]:
            return page.context, page

        return automation(parameters, ensure_browser=ensure_browser, **extras)
    if not parameters and takes_page_only(automation):
        return automation(page, **extras)
    return automation(page, parameters, **extras)


async def _unless_expired(
    outcome: dict[str, Any], authenticator: Authenticator, context: Any
) -> dict[str, Any]:
    """An API that failed signed in may have failed because its session expired under it."""
    if await authenticator.still_valid(context):
        return outcome
    return _failed(
        "auth-session-expired",
        "auth",
        "the AuthSession expired during the attempt; it runs again once the session is recreated",
    )


def _execution_failure(outcome: dict[str, Any]) -> bool:
    return outcome["type"] == "failed" and bool(outcome["error"]["category"] == "execution")


def _failed(code: ErrorCode, category: ErrorCategory, message: str) -> dict[str, Any]:
    return worker_event("failed", error=error(code, category, message))
