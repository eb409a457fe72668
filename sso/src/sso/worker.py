"""`python -m sso.worker`: outbox relay and event consumer as their own process."""

from servicekit import worker
from sso.main import definition

if __name__ == "__main__":
    worker.main(definition)
