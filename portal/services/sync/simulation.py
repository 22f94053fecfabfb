"""Simulated calls and meetings for demos and benchmarks: realistic, Japanese, and the same for
the same seed.

Calls are inbound or outbound, connected, missed or sent to voicemail, with durations that look
like a sales team's, made by MiiTel users (those the Activity history assignee maps, plus some
it does not). A share of the counterpart numbers are numbers the org knows (Contacts, Accounts,
Leads), written in the other form half of the time (hyphenated for plain, plain for
hyphenated), so matching must try both; the rest are numbers nobody in the org has. Meetings
have a host, participants, start and end, and a recording URL. Everything falls in Japanese
business hours of the last few days and has ended before ``now``.

Demo code: the names and companies come from Faker, the portal's only module that imports it
(lazily, so the portal runs without the ``demo`` extra; a simulation then raises
:class:`DemoDataUnavailable`).
"""

from __future__ import annotations

import importlib.util
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from portal.domain.calls import JST, Call, CallDirection, CallResult, Meeting
from portal.domain.sync.phones import hyphenated, other_form
from portal.domain.text import msg
from portal.domain.timestamps import require_aware
from portal.services.errors import PortalError

#: Where the simulated MiiTel app lives (links in Tasks and Events point there).
MIITEL_APP_URL: Final = "https://miitel.example/app"
DAYS_BACK: Final = 3
_WORK_START_MINUTE: Final = 9 * 60
_WORK_END_MINUTE: Final = 19 * 60

_LANDLINE_AREAS: Final = ("03", "06", "045", "052", "011", "092", "075", "022", "0466")
_MOBILE_PREFIXES: Final = ("090", "080", "070")
_PRODUCTS: Final = ("クラウドPBX", "MiiTel Analytics", "営業支援プラン", "コールセンター導入支援")
_MEETING_TOPICS: Final = (
    "オンライン商談",
    "製品デモ",
    "定例会",
    "導入キックオフ",
    "契約更新のご相談",
)
_MEMOS: Final = (
    "来週火曜に再度連絡",
    "見積書を本日中に送付",
    "決裁者は部長。次回同席予定",
    "資料送付済み。検討中とのこと",
    "",
)


class DemoDataUnavailable(PortalError):
    """Simulated calls need Faker, which only the portal's ``demo`` extra installs."""

    def __init__(self) -> None:
        super().__init__(
            msg(
                "Demo data is unavailable: this portal was installed without its demo extra "
                "(Faker), so calls and meetings cannot be simulated. Import them from CSV "
                "instead."
            )
        )


def require_demo_data() -> None:
    """Raise :class:`DemoDataUnavailable` when simulations cannot run (Faker is missing)."""
    if importlib.util.find_spec("faker") is None:
        raise DemoDataUnavailable()


@dataclass(frozen=True)
class MiitelUser:
    """A MiiTel user: the id (email) the Activity history assignee maps, and a display name
    (left empty, the simulation makes one up)."""

    user_id: str
    name: str


@dataclass(frozen=True)
class SimulatedActivities:
    calls: tuple[Call, ...]
    meetings: tuple[Meeting, ...]


class _Randomness:
    """Every random choice of one simulation, from one seed."""

    def __init__(self, seed: int) -> None:
        # Faker takes a while to import and is an optional extra: only a simulation needs it.
        try:
            from faker import Faker
        except ImportError:
            raise DemoDataUnavailable() from None

        self.rng = random.Random(f"miitel-sim:{seed}")
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(f"miitel-sim:{seed}:faker")

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, values: Sequence[str]) -> str:
        return values[self.rng.randrange(len(values))]

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def digits(self, n: int) -> str:
        return f"{self.rng.randrange(10**n):0{n}d}"

    def number(self) -> str:
        """A Japanese number nobody in the org has (most likely), plain or hyphenated."""
        if self.chance(0.4):
            digits = self.pick(_MOBILE_PREFIXES) + self.digits(8)
        else:
            area = self.pick(_LANDLINE_AREAS)
            digits = area + self.digits(10 - len(area))
        return (hyphenated(digits) or digits) if self.chance(0.5) else digits

    def person(self) -> str:
        last, _, _ = self.fake.last_name_pair()
        first, _, _ = self.fake.first_name_pair()
        return f"{last} {first}"


def simulate(
    *,
    seed: int,
    calls: int,
    meetings: int,
    now: datetime,
    known_numbers: Sequence[str] = (),
    users: Sequence[MiitelUser] = (),
    known_share: float = 0.65,
) -> SimulatedActivities:
    """``calls`` calls and ``meetings`` meetings, the same for the same arguments.

    ``known_numbers`` are numbers the org holds (as it stores them); about ``known_share`` of
    the calls use one of them. ``users`` are the MiiTel users to make calls and host meetings
    (two users not among them are added, so the rule for unmapped users shows too).
    """
    if calls < 0 or meetings < 0:
        raise ValueError("calls and meetings must be 0 or more")
    if not 0 <= known_share <= 1:
        raise ValueError("known_share must be between 0 and 1")
    now = require_aware(now, name="now")
    draw = _Randomness(seed)
    team = _team(draw, users)
    # Unknown callers call more than once too: draw them from a pool.
    strangers = [draw.number() for _ in range(max(5, calls // 3))]
    made_calls = tuple(
        _call(draw, now=now, team=team, known=known_numbers, strangers=strangers, share=known_share)
        for _ in range(calls)
    )
    made_meetings = tuple(_meeting(draw, now=now, team=team) for _ in range(meetings))
    return SimulatedActivities(calls=made_calls, meetings=made_meetings)


def _team(draw: _Randomness, users: Sequence[MiitelUser]) -> list[MiitelUser]:
    team = [u if u.name else MiitelUser(u.user_id, draw.person()) for u in users]
    taken = {u.user_id for u in team}
    extra = 2 if team else 5
    while extra:
        last, _, last_roman = draw.fake.last_name_pair()
        first, _, first_roman = draw.fake.first_name_pair()
        user_id = f"{first_roman}.{last_roman}@miitel.example".lower()
        if user_id in taken:
            continue
        taken.add(user_id)
        team.append(MiitelUser(user_id=user_id, name=f"{last} {first}"))
        extra -= 1
    return team


def _start(draw: _Randomness, *, now: datetime, length: timedelta) -> datetime:
    """A start in business hours (Japan time) of the last days, ending before ``now``."""
    today = now.astimezone(JST).date()
    for _ in range(20):
        day = today - timedelta(days=draw.rng.randrange(DAYS_BACK))
        minute = draw.rng.randrange(_WORK_START_MINUTE, _WORK_END_MINUTE)
        start = datetime.combine(day, time(0), JST) + timedelta(
            minutes=minute, seconds=draw.rng.randrange(60)
        )
        if start + length <= now:
            return start
    # Early in the morning of the first day: fall back to the previous afternoon.
    return datetime.combine(today - timedelta(days=DAYS_BACK), time(15), JST)


def _call(
    draw: _Randomness,
    *,
    now: datetime,
    team: Sequence[MiitelUser],
    known: Sequence[str],
    strangers: Sequence[str],
    share: float,
) -> Call:
    direction = CallDirection.OUTBOUND if draw.chance(0.55) else CallDirection.INBOUND
    if direction is CallDirection.OUTBOUND:
        result = _weighted(draw, ((CallResult.CONNECTED, 65), (CallResult.MISSED, 25)))
    else:
        result = _weighted(draw, ((CallResult.CONNECTED, 80), (CallResult.MISSED, 15)))
    if result is CallResult.CONNECTED:
        # Most sales calls are short; a few go on for half an hour.
        seconds = min(1800, max(20, int(draw.rng.lognormvariate(5.2, 0.8))))
    elif result is CallResult.MISSED:
        seconds = draw.rng.randint(5, 40)
    else:
        seconds = draw.rng.randint(20, 90)
    length = timedelta(seconds=seconds)
    started = _start(draw, now=now, length=length)
    user = team[draw.rng.randrange(len(team))]
    if known and draw.chance(share):
        number = draw.pick(known)
        number = other_form(number) if draw.chance(0.5) else number
    else:
        number = draw.pick(strangers)
    call_id = draw.uuid()
    transcript, summary = _call_text(draw, result=result, user=user)
    return Call(
        call_id=call_id,
        direction=direction,
        result=result,
        started_at=started,
        ended_at=started + length,
        miitel_user=user.user_id,
        user_name=user.name,
        counterpart_number=number,
        call_url=f"{MIITEL_APP_URL}/calls/{call_id}",
        transcript=transcript,
        summary=summary,
        memo=draw.pick(_MEMOS) if result is CallResult.CONNECTED else "",
    )


def _weighted(draw: _Randomness, shares: Sequence[tuple[CallResult, int]]) -> CallResult:
    """One of ``shares`` (percentages); voicemail for the rest."""
    roll = draw.rng.randrange(100)
    for result, share in shares:
        if roll < share:
            return result
        roll -= share
    return CallResult.VOICEMAIL


def _call_text(draw: _Randomness, *, result: CallResult, user: MiitelUser) -> tuple[str, str]:
    if result is CallResult.MISSED:
        return "", ""
    customer = draw.person()
    company = draw.fake.company()
    product = draw.pick(_PRODUCTS)
    if result is CallResult.VOICEMAIL:
        transcript = (
            f"{user.name}: お世話になっております。{company}の{customer}様宛に、{product}の件で"
            "ご連絡いたしました。改めてお電話いたします。"
        )
        return transcript, f"{customer}様の留守番電話に{product}の件で伝言。"
    day = draw.pick(("月曜", "火曜", "水曜", "木曜", "金曜"))
    lines = [
        f"{user.name}: お世話になっております。{product}の件でお電話しました。",
        f"{customer}: ありがとうございます。社内で検討を進めています。",
        f"{user.name}: 導入時期はいつ頃をお考えでしょうか。",
        f"{customer}: 来期の早い段階を考えています。見積もりをいただけますか。",
        f"{user.name}: 承知しました。{day}までにお送りします。",
    ]
    summary = f"{company}の{customer}様と{product}について会話。{day}までに見積もり送付。"
    return "\n".join(lines), summary


def _meeting(draw: _Randomness, *, now: datetime, team: Sequence[MiitelUser]) -> Meeting:
    minutes = draw.pick(("15", "30", "30", "45", "60", "60", "90"))
    length = timedelta(minutes=int(minutes))
    started = _start(draw, now=now, length=length)
    host = team[draw.rng.randrange(len(team))]
    company = draw.fake.company()
    guests = [draw.person() for _ in range(draw.rng.randint(1, 4))]
    topic = draw.pick(_MEETING_TOPICS)
    meeting_id = draw.uuid()
    return Meeting(
        meeting_id=meeting_id,
        title=f"{company} {topic}",
        host=host.user_id,
        host_name=host.name,
        started_at=started,
        ended_at=started + length,
        participants=(host.name, *guests),
        recording_url=f"{MIITEL_APP_URL}/meetings/{meeting_id}/recording",
        transcript="\n".join(
            [
                f"{host.name}: 本日はお時間をいただきありがとうございます。",
                f"{guests[0]}: よろしくお願いします。{topic}の件ですね。",
                f"{host.name}: はい、現状の課題からお伺いできますか。",
            ]
        ),
        summary=f"{company}と{topic}。次回までに提案資料を準備。",
    )
