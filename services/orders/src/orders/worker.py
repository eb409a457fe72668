"""`python -m orders.worker`: outbox relay and event consumer as their own process."""

from orders.main import definition
from servicekit import worker

if __name__ == "__main__":
    worker.main(definition)
