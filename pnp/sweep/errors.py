"""The error type of sweep files and sweep folders."""

from __future__ import annotations

from collections.abc import Iterable

from pnp.case import CaseError


class SweepError(CaseError):
    """An invalid sweep file, a case of the sweep that does not validate, or a sweep folder
    that belongs to a different sweep.

    Like `CaseError` (which it extends) the message starts with the offending key
    (``"axes.regions.pore.fixed_charge_M"``, ``"base"``) and says how to fix it;
    `context` adds a line such as the case that failed to validate.
    """

    def __init__(
        self,
        key: str,
        detail: str,
        *,
        source: str | None = None,
        problems: Iterable[tuple[str, str]] = (),
        context: str = "",
    ) -> None:
        self.context = context
        super().__init__(key, detail, source=source, problems=problems)

    def _format(self) -> str:
        text = super()._format()
        return f"{text}\n{self.context}" if self.context else text

    def __reduce__(self):
        return (_rebuild, (self.key, self.detail, self.source, self.problems, self.context))


def _rebuild(key, detail, source, problems, context) -> SweepError:
    return SweepError(key, detail, source=source, problems=problems, context=context)
