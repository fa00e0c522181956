"""Residents' responses from a consultation page, read strictly (docs/consultation.md).

A response is untrusted input, like a ``.cutsim`` file: the same strict JSON reader
(size, depth, string and number limits, no duplicate keys, no NaN), then every field
checked against the consultation it answers. Each problem is named with the file and
the field; nothing is read from a response that fails.
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cutsim.files.exchange import model_sha256, parse_json
from cutsim.model.errors import InputError
from cutsim.model.schema import Model, Scenario

MAX_RESPONSE_BYTES = 256 * 1024  # a response is a few hundred bytes; comments ≤ 5,000 chars
MAX_COMMENT = 5_000
MAX_RESPONSES = 100_000
FORMAT = "cutsim-consultation-response"
FIELDS = {"format", "format_version", "consultation", "response_id", "submitted", "choices",
          "comments", "equality"}
PREFER_NOT_TO_SAY = ""  # an unanswered question is left out of ``equality``


@dataclass(frozen=True)
class Response:
    """One resident's checked response."""

    source: str
    response_id: str
    submitted: str
    choices: dict[str, float]  # lever id → size in the lever's unit
    comments: str
    equality: dict[str, str]  # question id → answer


def read_response(path: str | os.PathLike[str], model: Model, scenario: Scenario) -> Response:
    """One response file, checked against ``scenario``'s consultation; InputError if bad."""
    path = Path(path)
    source = path.name
    try:
        if path.is_symlink() or not path.is_file():
            raise InputError(f"{source}: not a regular file")
        size = path.stat().st_size
        if size > MAX_RESPONSE_BYTES:
            raise InputError(f"{source}: {size:,} bytes; a response is at most {MAX_RESPONSE_BYTES:,}")
        with path.open("rb") as handle:
            data = handle.read(MAX_RESPONSE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise InputError(f"{source}: more than {MAX_RESPONSE_BYTES:,} bytes")
    return check_response(parse_json(data, source), source, model, scenario)


def check_response(document: Any, source: str, model: Model, scenario: Scenario) -> Response:
    """The typed response, or one InputError listing every problem with its field."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise InputError(f"{source}: a response is a JSON object")
    for key in sorted(set(document) - FIELDS):
        problems.append(f"{_shown(key)}: unknown field (not part of a consultation response)")
    for key in sorted(FIELDS - set(document) - {"comments", "equality"}):
        problems.append(f"{key}: required field is missing")
    if document.get("format") != FORMAT:
        problems.append(f'format must be "{FORMAT}"')
    if document.get("format_version") != 1:
        problems.append("format_version must be 1")
    _check_consultation(document.get("consultation"), model, scenario, problems)
    response_id = document.get("response_id")
    if not isinstance(response_id, str) or not _is_uuidish(response_id):
        problems.append("response_id must be a UUID or 32 hexadecimal digits")
    submitted = document.get("submitted")
    if not isinstance(submitted, str) or not 10 <= len(submitted) <= 40:
        problems.append("submitted must be an ISO 8601 time")
    choices = _check_choices(document.get("choices"), scenario, problems)
    comments = document.get("comments", "")
    if not isinstance(comments, str) or len(comments) > MAX_COMMENT:
        problems.append(f"comments must be text of at most {MAX_COMMENT:,} characters")
    equality = _check_equality(document.get("equality", {}), scenario, problems)
    if problems:
        raise InputError(f"{source}: " + (problems[0] if len(problems) == 1 else
                         f"{len(problems)} problems:\n  " + "\n  ".join(problems[:20])))
    return Response(source, str(response_id).lower(), str(submitted), choices, str(comments), equality)


def _shown(text: Any) -> str:
    """A key from an untrusted file, shortened and with control characters escaped."""
    text = str(text)[:60]
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _is_uuidish(text: str) -> bool:
    if len(text) == 32 and all(c in "0123456789abcdefABCDEF" for c in text):
        return True
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def _check_consultation(block: Any, model: Model, scenario: Scenario, problems: list[str]) -> None:
    if not isinstance(block, dict):
        problems.append("consultation must say which consultation the response answers")
        return
    if block.get("scenario") != scenario.id:
        problems.append(f'consultation.scenario must be "{scenario.id}" (the response answers '
                        f"another consultation)")
    if block.get("model_sha256") != model_sha256(model):
        problems.append("consultation.model_sha256 does not match this model: the response "
                        "answers a page built from another version of the model")


def _check_choices(choices: Any, scenario: Scenario, problems: list[str]) -> dict[str, float]:
    # Responses are only read for a scenario that has a consultation (the caller chose it).
    assert scenario.consultation is not None
    offered = {o.lever: o for o in scenario.consultation.levers}
    if not isinstance(choices, dict):
        problems.append("choices must map each offered lever to a number")
        return {}
    out: dict[str, float] = {}
    for key in choices:
        if key not in offered:
            problems.append(f"choices.{_shown(key)}: not a lever offered in this consultation")
    for lever_id, o in offered.items():
        value = choices.get(lever_id)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(f"choices.{lever_id}: must be a number")
            continue
        value = float(value)
        if not o.min - 1e-9 <= value <= o.max + 1e-9:
            problems.append(f"choices.{lever_id}: must be between {o.min:g} and {o.max:g} (got {value:g})")
            continue
        steps = (value - o.min) / o.step
        if abs(steps - round(steps)) > 1e-6:
            problems.append(f"choices.{lever_id}: must be a step of {o.step:g} from {o.min:g} (got {value:g})")
            continue
        out[lever_id] = value
    return out


def _check_equality(answers: Any, scenario: Scenario, problems: list[str]) -> dict[str, str]:
    # As in _check_choices: the scenario has a consultation.
    assert scenario.consultation is not None
    questions = {q.id: q for q in scenario.consultation.equality_questions}
    if not isinstance(answers, dict):
        problems.append("equality must map question ids to answers")
        return {}
    out = {}
    for key, answer in answers.items():
        question = questions.get(key)
        if question is None:
            problems.append(f"equality.{_shown(key)}: not a question this consultation asks")
        elif not isinstance(answer, str) or answer not in question.options:
            problems.append(f"equality.{key}: not one of the answers offered")
        else:
            out[key] = answer
    return out


def read_responses(paths: list[Path], model: Model, scenario: Scenario) -> tuple[list[Response], list[str], list[str]]:
    """(responses, problems, duplicates): every file read; duplicates by response id are
    reported (the first kept), never counted twice."""
    if len(paths) > MAX_RESPONSES:
        raise InputError(f"{len(paths):,} responses; at most {MAX_RESPONSES:,} at once")
    responses, problems, duplicates = [], [], []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            response = read_response(path, model, scenario)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if response.response_id in seen:
            duplicates.append(f"{response.source}: the same response as {seen[response.response_id]} "
                              f"(response_id {response.response_id}); counted once")
            continue
        seen[response.response_id] = response.source
        responses.append(response)
    return responses, problems, duplicates
