"""The errors a person can cause or fix, in one family: the UI shows their message as one sentence (never a
stack trace), the command line prints it and exits, and anything else is a bug that is logged in full.

`UserError` subclasses ValueError, so code that validates with `except ValueError` keeps working.
"""

from __future__ import annotations


class UserError(ValueError):
    """Bad input, or something missing that the person can supply: the message says what and how, plainly."""


class WeightsMissing(UserError):
    """Weights that are not on this machine: the message, plus the shell command that fetches them and the
    download's size when known (the UI offers the download; offline it names the command)."""

    def __init__(self, message: str, *, command: str | None = None, size: str | None = None) -> None:
        super().__init__(message)
        self.command, self.size = command, size


class DownloadError(UserError):
    """Weights that could not be fetched or did not verify; the message says which and why."""


class CheckpointError(UserError):
    """A model file that is missing, unreadable, or does not match its card."""
