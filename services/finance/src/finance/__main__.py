"""`python -m finance serve|migrate|demo-data`."""

from finance.main import definition
from servicekit import cli


def main() -> None:
    cli.main(definition)


if __name__ == "__main__":
    main()
