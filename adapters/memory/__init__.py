"""In-memory adapters of the repository ports, with the semantics of the DynamoDB ones."""

from adapters.memory.store import MemoryStore

__all__ = ["MemoryStore"]
