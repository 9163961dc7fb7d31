"""SSDA903 import speed on SQLite: rows per second for a first import, for the same file again
(which changes nothing), and the time the read models take to catch up afterwards.

About 5 episodes per child, so 5,000 rows are about 1,000 children (a large authority's
year) and 50,000 rows about 10,000 children (a region's). No target is asserted: the figures
are printed and recorded in .benchmarks/latest.json.
"""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap
from tests.benchmarks.helpers import timed
from tests.ssda903_files import import_files, register_authorities, synthetic_return, write


@pytest.mark.parametrize("children", [1_000, 10_000])
def test_ssda903_import_speed(tmp_path, results, children):
    svc = bootstrap(f"sqlite:///{tmp_path / 'import.db'}")
    try:
        register_authorities(svc.portal)
        svc.projections.catch_up()
        episodes, headers = synthetic_return(children)
        episodes_file = write(tmp_path / "episodes.csv", episodes)
        header_file = write(tmp_path / "header.csv", headers)
        rows = len(episodes)

        first_s, report = timed(lambda: import_files(svc, episodes_file, header_file))
        assert report.ok and report.rejected == 0 and report.children_changed == children
        events = svc.projections.head()
        catch_up_s, _ = timed(svc.projections.catch_up)
        again_s, again = timed(lambda: import_files(svc, episodes_file, header_file))
        assert again.children_changed == 0

        figures = {
            "rows": rows, "children": children,
            "file_mb": round(episodes_file.stat().st_size / 1_000_000, 2),
            "first_import_s": round(first_s, 2),
            "first_import_rows_per_s": round(rows / first_s),
            "same_file_again_s": round(again_s, 2),
            "same_file_again_rows_per_s": round(rows / again_s),
            "projection_catch_up_s": round(catch_up_s, 2),
            "events_in_log": events,
        }
        results.setdefault("ssda903_import", {})[f"{rows}_rows"] = figures
        print(f"\nSSDA903 import, {rows:,} rows ({children:,} children): first "
              f"{figures['first_import_rows_per_s']:,} rows/s ({first_s:.1f} s), same file "
              f"again {figures['same_file_again_rows_per_s']:,} rows/s ({again_s:.1f} s); "
              f"read models caught up in {catch_up_s:.1f} s")
    finally:
        svc.close()
