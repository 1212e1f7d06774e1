"""A burst of deliveries from another process, as BigCommerce's come from elsewhere.

``python tests/webhooks/burst_client.py PORT SECRET HEADER IDS_JSON COUNT WIDTH``: COUNT deliveries
of ``store/product/updated`` (distinct hashes) naming IDS in turn, each on its own connection,
WIDTH at a time; prints one JSON line: how many were answered 200, and how long it took.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def main() -> None:
    port, secret, header = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ids, count, width = json.loads(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

    def send(i: int) -> int:
        payload = {
            "scope": "store/product/updated",
            "store_id": "1",
            "data": {"type": "product", "id": ids[i % len(ids)]},
            "created_at": 1_700_000_000 + i,
            "producer": "stores/burst",
        }
        canonical = json.dumps(payload, sort_keys=True).encode()
        payload["hash"] = hashlib.sha1(canonical, usedforsecurity=False).hexdigest()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            headers = {header: secret, "Content-Type": "application/json"}
            conn.request("POST", "/", body=json.dumps(payload), headers=headers)
            return conn.getresponse().status
        finally:
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(width) as pool:
        statuses = list(pool.map(send, range(count)))
    print(json.dumps({"ok": statuses.count(200), "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
