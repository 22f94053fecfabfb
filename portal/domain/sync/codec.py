"""Calls and meetings as the JSON the inbox keeps (stable keys, ISO times with offsets)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from portal.domain.calls import Activity, ActivityKind, Call, CallDirection, CallResult, Meeting


def to_json(activity: Activity) -> str:
    """``activity`` as compact JSON."""
    if isinstance(activity, Call):
        body: dict[str, Any] = {
            "call_id": activity.call_id,
            "direction": activity.direction.value,
            "result": activity.result.value,
            "started_at": activity.started_at.isoformat(),
            "ended_at": activity.ended_at.isoformat(),
            "miitel_user": activity.miitel_user,
            "counterpart_number": activity.counterpart_number,
            "user_name": activity.user_name,
            "call_url": activity.call_url,
            "transcript": activity.transcript,
            "summary": activity.summary,
            "memo": activity.memo,
        }
    else:
        body = {
            "meeting_id": activity.meeting_id,
            "title": activity.title,
            "host": activity.host,
            "started_at": activity.started_at.isoformat(),
            "ended_at": activity.ended_at.isoformat(),
            "participants": list(activity.participants),
            "host_name": activity.host_name,
            "recording_url": activity.recording_url,
            "transcript": activity.transcript,
            "summary": activity.summary,
        }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def from_json(kind: ActivityKind, text: str) -> Activity:
    """The call or meeting ``text`` holds; ``ValueError`` (or ``KeyError``) when it is not one."""
    body = json.loads(text)
    if kind is ActivityKind.CALL:
        return Call(
            call_id=body["call_id"],
            direction=CallDirection(body["direction"]),
            result=CallResult(body["result"]),
            started_at=datetime.fromisoformat(body["started_at"]),
            ended_at=datetime.fromisoformat(body["ended_at"]),
            miitel_user=body["miitel_user"],
            counterpart_number=body["counterpart_number"],
            user_name=body.get("user_name", ""),
            call_url=body.get("call_url", ""),
            transcript=body.get("transcript", ""),
            summary=body.get("summary", ""),
            memo=body.get("memo", ""),
        )
    return Meeting(
        meeting_id=body["meeting_id"],
        title=body["title"],
        host=body["host"],
        started_at=datetime.fromisoformat(body["started_at"]),
        ended_at=datetime.fromisoformat(body["ended_at"]),
        participants=tuple(body.get("participants", ())),
        host_name=body.get("host_name", ""),
        recording_url=body.get("recording_url", ""),
        transcript=body.get("transcript", ""),
        summary=body.get("summary", ""),
    )
