"""`python -m risk.worker`: outbox relay and event consumer as their own process."""

from risk.main import definition
from servicekit import worker

if __name__ == "__main__":
    worker.main(definition)
