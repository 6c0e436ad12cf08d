"""Items to the bytes of a txt disclosure, as Word's "save as text" flattens the real one.

A paragraph is a line (its TC field code, if any, follows it after a space, as Word writes field codes);
a table is one cell per line starting with a tab, a cell's further lines without the tab, rows separated
by a blank line, and two blank lines after the table (and where the table's rows hold ``None``, as
between a project's header and its indicator rows).
"""

from __future__ import annotations


def render_txt(items: list[tuple]) -> bytes:
    lines: list[str] = []
    for item in items:
        if item[0] == "p":
            _, text, tc = item
            lines.append(f"{text} {tc} " if tc else text)
        elif item[0] == "blank":
            lines.append("")
        else:
            for row in item[1]:
                if row is None:  # a break inside the table: one more blank line
                    lines.append("")
                    continue
                for cell in row:
                    first, *more = cell.split("\n")
                    lines.append("\t" + first)
                    lines.extend(more)
                lines.append("")
            lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8")
