"""When an Azure ML schedule runs next, and cron expressions checked before Azure sees them.

Azure ML triggers name Windows time zones (``W. Europe Standard Time``); Python's ``zoneinfo``
knows IANA names, so the common Windows names are mapped here (IANA names are taken as they
are). A schedule whose time zone or pattern is not understood has no known next run.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mlops_desktop.backends.azureml.entities import AzureSchedule
from mlops_desktop.backends.azureml.mapping import parse_time
from mlops_desktop.backends.azureml.schedule_actions import check_cron
from mlops_desktop.core.errors import InvalidInput

#: Windows time zone names Azure ML accepts -> IANA zones (CLDR's primary mapping).
WINDOWS_TIME_ZONES: dict[str, str] = {
    "UTC": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kyiv",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Arabian Standard Time": "Asia/Dubai",
    "South Africa Standard Time": "Africa/Johannesburg",
    "India Standard Time": "Asia/Kolkata",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Korea Standard Time": "Asia/Seoul",
    "Tokyo Standard Time": "Asia/Tokyo",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Atlantic Standard Time": "America/Halifax",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "E. South America Standard Time": "America/Sao_Paulo",
}
_WEEK_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: How far ahead a recurrence pattern is searched (a yearly-ish pattern is "unknown").
_SEARCH_DAYS = 400


def zone_of(name: str) -> ZoneInfo | None:
    """The zone a trigger's time zone names (Windows or IANA), or None when unknown."""
    key = WINDOWS_TIME_ZONES.get(name.strip() or "UTC", name.strip())
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def validate_cron(expression: str) -> str:
    """The normalised five-field cron ``expression``, or InvalidInput saying what is wrong."""
    from croniter import croniter

    normalised = check_cron(expression)
    if not croniter.is_valid(normalised):
        raise InvalidInput(
            f"{expression.strip()!r} is not a valid cron expression (a field is out of range)",
            hint="minute 0-59, hour 0-23, day 1-31, month 1-12, day of week 0-6 (0 = Sunday)",
        )
    return normalised


def upcoming_cron_runs(
    expression: str, time_zone: str, now: datetime, count: int = 3
) -> list[datetime]:
    """The next ``count`` times of a (valid) cron expression in ``time_zone`` after ``now``."""
    from croniter import croniter

    zone = zone_of(time_zone)
    if zone is None:
        return []
    runs = croniter(validate_cron(expression), now.astimezone(zone))
    return [runs.get_next(datetime) for _ in range(count)]


def next_run(schedule: AzureSchedule, now: datetime) -> datetime | None:
    """When an enabled schedule fires next (in its time zone), or None when not known."""
    zone = zone_of(schedule.time_zone)
    if not schedule.enabled or zone is None:
        return None
    start = _local(schedule.start_time, zone)
    anchor = max(now.astimezone(zone), start) if start else now.astimezone(zone)
    if schedule.trigger_type == "cron":
        from croniter import croniter

        try:
            found: datetime | None = croniter(validate_cron(schedule.expression), anchor).get_next(
                datetime
            )
        except InvalidInput:
            return None
    else:
        found = _next_recurrence(schedule, anchor, start)
    end = _local(schedule.end_time, zone)
    return None if found is None or (end is not None and found > end) else found


def _local(value: str, zone: ZoneInfo) -> datetime | None:
    # Azure ML keeps trigger start/end times as local times of the trigger's time zone.
    moment = parse_time(value) if value else None
    if moment is None:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _next_recurrence(
    schedule: AzureSchedule, anchor: datetime, start: datetime | None
) -> datetime | None:
    interval = schedule.interval or 1
    unit = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1)}.get(schedule.frequency)
    if unit is not None:  # every N minutes/hours from the start time
        if start is None:
            return None
        step = unit * interval
        periods = max(0, -(-(anchor - start) // step))
        candidate = start + periods * step
        return candidate if candidate > anchor else candidate + step
    if schedule.frequency not in ("day", "week"):
        return None  # monthly patterns: Azure's rules are not modelled here
    origin = (start or anchor).date()
    hours = schedule.hours or ((start.hour,) if start else (0,))
    minutes = schedule.minutes or ((start.minute,) if start else (0,))
    times = sorted((h, m) for h in hours for m in minutes)
    for offset in range(_SEARCH_DAYS * interval):
        day = anchor.date() + timedelta(days=offset)
        if not _day_matches(schedule, day, origin, interval):
            continue
        for hour, minute in times:
            candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=anchor.tzinfo)
            if candidate > anchor:
                return candidate
    return None


def _day_matches(schedule: AzureSchedule, day: date, origin: date, interval: int) -> bool:
    if schedule.frequency == "day":
        return (day - origin).days % interval == 0
    weekday = _WEEK_DAYS[day.weekday()]
    days = schedule.week_days or (_WEEK_DAYS[origin.weekday()],)
    weeks = (day - timedelta(days=day.weekday())) - (origin - timedelta(days=origin.weekday()))
    return weekday in days and (weeks.days // 7) % interval == 0
