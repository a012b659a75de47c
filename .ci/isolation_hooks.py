"""Schemathesis hooks for the two-user runs of .ci/api-check.sh (issue 13).

The run acts as one user (its `Authorization: Bearer` token); the other
user's objects were made before it, and POSTPILOT_OTHER describes them as
JSON: {"marker": text in every one of their emails, names, subjects and
list names, "ids": {"recipients": [...], "messages": [...], "mailings":
[...], "lists": [...], "tokens": [...], "users": [...], "runs": [...]},
"own_token": the id of the token the run acts with}.

- The check `others_objects_unreachable` fails when an answer holds the
  other user's marker, when a 2xx answers a path naming one of their ids
  (`/api/v1/KIND/{id}…`, a run's `{run_id}`), or when a 2xx accepted a body
  naming one (`message_id`, `recipient_id`, `recipient_ids`, `list_id`).
- Generated path ids are also drawn from the other user's ids (beside what
  Schemathesis draws), so every id-bearing operation tries them.
- The run never revokes its own token, which would leave the rest 401.
"""

import json
import os
import re

import schemathesis
from hypothesis import strategies as st

OTHER = json.loads(os.environ["POSTPILOT_OTHER"])
MARKER = OTHER["marker"].lower().encode()
IDS = {kind: frozenset(int(i) for i in ids) for kind, ids in OTHER["ids"].items()}
OWN_TOKEN = int(OTHER["own_token"])
BODY_IDS = {
    "message_id": "messages",
    "recipient_id": "recipients",
    "recipient_ids": "recipients",
    "list_id": "lists",
}
ID_PATH = re.compile(r"^/api/v1/([a-z]+)/\{id\}")


def kind_of(path):
    """The kind of object a path's `{id}` names ("recipients", ...), or None."""
    found = ID_PATH.match(path)
    return found.group(1) if found else None


def as_int(value):
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def params_of(path_parameters):
    """The path parameters as a dict (negative cases may draw none)."""
    return path_parameters if isinstance(path_parameters, dict) else {}


def revokes_own_token(path, path_parameters):
    named = as_int(params_of(path_parameters).get("id"))
    return path == "/api/v1/tokens/{id}" and named == OWN_TOKEN


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    return context.operation is None or not revokes_own_token(context.operation.path, path_parameters)


@schemathesis.hook
def filter_case(context, case):
    # Every phase, the coverage phase's boundary values too.
    return not revokes_own_token(case.path, case.path_parameters)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    kind = kind_of(context.operation.path) if context.operation is not None else None
    theirs = sorted(IDS.get(kind, ()))
    if not theirs or "id" not in params_of(path_parameters):
        return st.just(path_parameters)
    variants = [dict(path_parameters, id=i) for i in theirs]
    if "run_id" in path_parameters:
        variants += [
            dict(path_parameters, id=m, run_id=r)
            for m in sorted(IDS["mailings"])
            for r in sorted(IDS["runs"])
        ]
    return st.one_of(st.just(path_parameters), st.sampled_from(variants))


@schemathesis.check
def others_objects_unreachable(ctx, response, case):
    """No answer shows another user's object or acts on it."""
    if MARKER in response.content.lower():
        raise AssertionError(
            f"{case.method} {case.path} answered {response.status_code} with another user's data"
        )
    if not 200 <= response.status_code < 300:
        return
    kind = kind_of(case.path)
    params = params_of(case.path_parameters)
    named = as_int(params.get("id"))
    if kind in IDS and named in IDS[kind]:
        raise AssertionError(
            f"{case.method} {case.path} with another user's {kind} id {named} answered {response.status_code}"
        )
    if as_int(params.get("run_id")) in IDS["runs"]:
        raise AssertionError(f"{case.method} {case.path} with another user's run answered {response.status_code}")
    body = case.body if isinstance(case.body, dict) else {}
    for field, kind in BODY_IDS.items():
        value = body.get(field)
        values = value if isinstance(value, list) else [value]
        hits = [v for v in values if as_int(v) in IDS[kind]]
        if hits:
            raise AssertionError(
                f"{case.method} {case.path} accepted another user's {kind} {hits} in {field}: {response.status_code}"
            )
