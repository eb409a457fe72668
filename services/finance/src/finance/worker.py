"""`python -m finance.worker`: outbox relay and event consumer as their own process."""

from finance.main import definition
from servicekit import worker

if __name__ == "__main__":
    worker.main(definition)
