"""`python -m sso serve|migrate|demo-data`."""

from servicekit import cli
from sso.main import definition


def main() -> None:
    cli.main(definition)


if __name__ == "__main__":
    main()
