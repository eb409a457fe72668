"""`python -m orders serve|migrate|demo-data|refresh-analysis`."""

import asyncio
import sys

from orders.main import definition
from servicekit import cli


async def refresh_analysis() -> None:
    """Refresh the analysis rollups once (what the worker does every minute) and say what."""
    from orders.analysis.refresh import RollupRefresher
    from servicekit.db import create_engine, create_sessionmaker

    settings = definition.settings_factory()
    engine = create_engine(settings.database_url)
    try:
        report = await RollupRefresher(create_sessionmaker(engine)).refresh()
    finally:
        await engine.dispose()
    if report.skipped:
        print("another refresh is running")
    else:
        print(
            f"refreshed {len(report.months)} month(s) in {report.seconds:.1f} s; rollups cover "
            f"months through {report.covered_through}"
        )


def main() -> None:
    if sys.argv[1:2] == ["refresh-analysis"]:
        asyncio.run(refresh_analysis())
        return
    cli.main(definition)


if __name__ == "__main__":
    main()
