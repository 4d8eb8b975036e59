"""A store folder's sqlite collections, written through to disk and read from memory.

:class:`MirroredMontyStore` is the maggma store behind each collection of a
store folder opened for a run (:func:`cudiss.workflows.store.open_job_store`);
the folder's layout and checks are in :mod:`cudiss.workflows.store_files`.
"""

from __future__ import annotations

from maggma.stores import MemoryStore, MontyStore

__all__ = ["MirroredMontyStore"]


class _SqliteCollection(MontyStore):
    """maggma's MontyStore without its ``set_storage`` on every connect.

    That call rewrites the two marker files in place (truncate, then write)
    each time, so a reader at that moment finds them empty; cudiss writes them
    once, whole, when it creates the store.
    """

    def connect(self, force_reset: bool = False) -> None:
        """Open the collection (the marker files must exist)."""
        if not self._coll or force_reset:
            from montydb import MontyClient

            client = MontyClient(self.database_path, **self.client_kwargs)
            self._coll = client[self.database_name][self.collection_name]


class MirroredMontyStore(MemoryStore):
    """An on-disk MontyStore (sqlite) read through an in-memory mirror.

    MontyDB has no indexes: every query decodes every stored document, so
    jobflow's many small look-ups (one per output reference) grow with the store
    and dominated campaign runs. Here reads are served by mongomock, which holds
    the decoded documents; every write goes to memory and to disk, so results
    persist as they are produced. The disk is read once, on connect (or not at
    all when the documents are given, already read from a checked copy).

    Parameters
    ----------
    collection_name
        Collection name (one sqlite table on disk).
    database_path
        Folder of the MontyDB database.
    documents
        The collection's documents, if already read; ``None`` reads the disk.
    """

    def __init__(
        self,
        collection_name: str,
        database_path: str,
        documents: list[dict] | None = None,
        **kwargs,
    ) -> None:
        self.database_path = database_path
        self.disk = _SqliteCollection(
            collection_name, database_path=database_path, storage="sqlite"
        )
        self._documents = documents
        super().__init__(collection_name=collection_name, **kwargs)

    @property
    def name(self) -> str:
        """Name for the store."""
        return f"monty-mirror://{self.database_path}/{self.collection_name}"

    def connect(self, force_reset: bool = False) -> None:
        """Connect to disk and (once) load its documents into memory."""
        if self._coll is not None and not force_reset:
            return
        super().connect(force_reset=True)
        self.disk.connect()
        docs = self._documents
        if docs is None:
            docs = list(self.disk._collection.find({}))
        self._documents = None
        if docs:
            self._coll.insert_many(docs)

    def update(self, docs, key=None) -> None:
        """Write ``docs`` to disk first, then to the mirror."""
        self.disk.update(docs, key=key)
        super().update(docs, key=key)

    def remove_docs(self, criteria: dict) -> None:
        """Remove matching documents from disk and mirror."""
        self.disk.remove_docs(criteria)
        super().remove_docs(criteria)

    def close(self) -> None:
        """Close both."""
        self.disk.close()
        super().close()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MirroredMontyStore) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)
