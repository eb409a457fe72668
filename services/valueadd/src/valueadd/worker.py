"""`python -m valueadd.worker`: outbox relay and event consumer as their own process."""

from servicekit import worker
from valueadd.main import definition

if __name__ == "__main__":
    worker.main(definition)
