"""`python -m orders serve|migrate|demo-data`."""

from orders.main import definition
from servicekit import cli


def main() -> None:
    cli.main(definition)


if __name__ == "__main__":
    main()
