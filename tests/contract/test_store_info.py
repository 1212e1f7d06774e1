"""Contract of ``v2/store`` and ``v2/time`` against store_information.v2.yml."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.contract import spec
from tests.contract.conftest import STORE_HASH


def test_store_profile_matches_the_spec_and_names_the_store(api: httpx.Client) -> None:
    body = spec.check_response("store_v2", api.get("v2/store"))
    # StoreInformation requires nothing; notes §10 document these keys and their meaning.
    assert body["id"] == STORE_HASH
    assert isinstance(body["store_id"], int)
    for key in ("name", "domain", "secure_url", "currency", "plan_name", "timezone", "features"):
        assert key in body, f"v2/store lacks {key}"
    assert isinstance(body["timezone"]["name"], str)


def test_store_time_is_unix_seconds_close_to_now(api: httpx.Client) -> None:
    before = int(time.time())
    body = spec.check_response("store_v2", api.get("v2/time"))
    after = int(time.time())
    assert "time" in body  # timeStamp_Full requires nothing; notes §10: {"time": <unix seconds>}
    assert before - 1 <= body["time"] <= after + 1


def test_v2_replies_carry_rate_limit_headers(api: httpx.Client) -> None:
    spec.check_rate_limit_headers(api.get("v2/time"))


def test_v2_without_token_is_401(anonymous_api: httpx.Client, store: Any) -> None:
    reply = anonymous_api.get("v2/store")
    # The v2 spec declares no 401 reply; notes §9: a missing token is 401.
    assert spec.request_errors("store_v2", reply.request), "the spec requires X-Auth-Token"
    assert reply.status_code == 401
    assert reply.headers["content-type"].startswith("application/json")
    reply.json()  # a JSON body, never a traceback page
