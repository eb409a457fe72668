"""`python -m insurance serve|migrate|demo-data`."""

from insurance.main import definition
from servicekit import cli


def main() -> None:
    cli.main(definition)


if __name__ == "__main__":
    main()
