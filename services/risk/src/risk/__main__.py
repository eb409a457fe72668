"""`python -m risk serve|migrate|demo-data`."""

from risk.main import definition
from servicekit import cli


def main() -> None:
    cli.main(definition)


if __name__ == "__main__":
    main()
