"""The single exception type of the case layer."""

from __future__ import annotations

from collections.abc import Iterable


class CaseError(ValueError):
    """An invalid case file, case table or override.

    `key` is the dotted path of the offending entry (``"geometry.pore_radius_nm"``,
    ``"species.K.inside_mM"``), `detail` says what is wrong and how to fix it, and
    ``str(error)`` starts with the key. When validation finds several problems they
    are all reported: `problems` holds every ``(key, detail)`` pair, the first one
    also being `key`/`detail`. `source` names the file (or ``"<dict>"``) if known.
    """

    def __init__(
        self,
        key: str,
        detail: str,
        *,
        source: str | None = None,
        problems: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.key = key
        self.detail = detail
        self.source = source
        self.problems: tuple[tuple[str, str], ...] = tuple(problems) or ((key, detail),)
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [_line(k, d) for k, d in self.problems]
        count = len(self.problems)
        where = "" if self.source is None or self.source.startswith("<") else self.source
        if count > 1:
            lines.append(f"({count} problems{' in ' + where if where else ''})")
        elif where:
            lines.append(f"(in {where})")
        return "\n".join(lines)

    @classmethod
    def collected(
        cls, problems: Iterable[tuple[str, str]], *, source: str | None = None
    ) -> CaseError:
        problems = tuple(problems)
        key, detail = problems[0]
        return cls(key, detail, source=source, problems=problems)


def _line(key: str, detail: str) -> str:
    return f"{key}: {detail}" if key else detail
