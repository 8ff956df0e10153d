"""The one error class of the core."""

__all__ = ["PoolingError"]


class PoolingError(ValueError):
    """A pooling configuration that torch rejects, explained for a learner.

    The message says what is wrong (with the numbers) and how to fix it.
    """
