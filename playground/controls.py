"""Validation of the numeric and choice controls every pipeline shares.

Each check raises `ValueError` with one plain sentence saying what was wrong and what is accepted; the UI
turns that into a message, never a stack trace.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from . import settings
from .errors import UserError

MAX_SEED = 2**32 - 1


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or value is None:
        raise UserError(f"{what} must be a number, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be a number, got {str(value)[:40]!r}.") from None
    if not math.isfinite(number):
        raise UserError(f"{what} must be a finite number, got {value!r}.")
    return number


def seed(value: Any) -> int:
    """A whole number in [0, 2³² − 1]."""
    number = _number(value, "The seed")
    if not number.is_integer() or not 0 <= number <= MAX_SEED:
        raise UserError(f"The seed must be a whole number from 0 to {MAX_SEED}, got {value!r}.")
    return int(number)


def bounded(value: Any, what: str, low: float, high: float) -> float:
    number = _number(value, what)
    if not low <= number <= high:
        raise UserError(f"{what} must be between {low:g} and {high:g}, got {value!r}.")
    return number


def whole(value: Any, what: str, low: int, high: int) -> int:
    number = _number(value, what)
    if not number.is_integer() or not low <= number <= high:
        raise UserError(f"{what} must be a whole number from {low} to {high}, got {value!r}.")
    return int(number)


def choice(value: Any, what: str, options: Sequence[str]) -> str:
    if value not in options:
        shown = ", ".join(options) if len(options) <= 12 else ", ".join(options[:12]) + ", ..."
        raise UserError(f"Unknown {what} {str(value)[:60]!r}; choose one of: {shown}.")
    return value


def items(values: Any, what: str, limit: int | None = None) -> list[Any]:
    """A list from a request, refused beyond `limit` entries (settings.MAX_REQUEST_ITEMS) before any is read."""
    limit = settings.MAX_REQUEST_ITEMS if limit is None else limit
    plural = what + ("es" if what.endswith("s") else "s")
    if isinstance(values, (str, int, float)):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise UserError(f"Give the {plural} as a list.")
    if len(values) > limit:
        raise UserError(f"At most {limit} {plural} can be asked for at once, got {len(values)}.")
    return list(values)


def choices(values: Any, what: str, options: Sequence[str]) -> list[str]:
    """Picked options, each checked, duplicates dropped (first order kept): never more than len(options)."""
    if not values:
        raise UserError(f"Pick at least one {what}.")
    picked = [choice(v, what, options) for v in items(values, what)]
    return list(dict.fromkeys(picked))


def budget(count: int, what: str) -> int:
    """Pictures one request would make, refused beyond settings.MAX_IMAGES_PER_REQUEST before any tensor."""
    if count > settings.MAX_IMAGES_PER_REQUEST:
        raise UserError(f"That is {count} {what}; one request makes at most {settings.MAX_IMAGES_PER_REQUEST}.")
    return count


def settings_json(text: Any, limit: int = 10_000) -> dict[str, Any]:
    """Pasted settings: a JSON object of at most `limit` characters."""
    if not isinstance(text, str) or not text.strip():
        raise UserError("Paste the settings JSON copied from an output first.")
    if len(text) > limit:
        raise UserError(f"Settings JSON is limited to {limit:,} characters.")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"The settings are not valid JSON ({exc.msg} at character {exc.pos}).") from None
    if not isinstance(parsed, dict):
        raise UserError('The settings must be a JSON object such as {"seed": 42, ...}.')
    return parsed
