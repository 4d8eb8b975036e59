"""Input errors that belong to running workflows: campaign files, settings and result stores.

All derive from :class:`~cudiss.structures.errors.CudissInputError`: the CLI
prints their one-line message and exits with code 2. :class:`CheckedModel` is
the base of the settings models (calculator, slab, configuration): built in
Python with bad values they raise :class:`SettingsError` in one line instead of
pydantic's multi-line ``ValidationError``.
"""

from __future__ import annotations

from contextvars import ContextVar

from pydantic import BaseModel, ValidationError

from cudiss.structures.errors import CudissInputError


class CampaignError(CudissInputError):
    """A campaign file that cannot be read or does not validate."""


class StoreError(CudissInputError):
    """A results store that cannot be opened or written."""


class SettingsError(CudissInputError):
    """Settings given in Python that do not validate (calculator, slab, configuration, makers)."""


def first_error(exc: ValidationError) -> str:
    """pydantic's first complaint as ``where: message (and N more)``, on one line.

    >>> from pydantic import BaseModel, ConfigDict
    >>> class M(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     x: int
    >>> try:
    ...     M(x="a", y=1)
    ... except ValidationError as exc:
    ...     print(first_error(exc))
    x: Input should be a valid integer, unable to parse string as an integer (and 1 more)
    """
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    message = " ".join(message.split())
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


# True while pydantic validates a CheckedModel: models nested in it then raise
# pydantic's own error, which it reports with the full path (slab.vacuum).
_VALIDATING: ContextVar[bool] = ContextVar("cudiss_validating", default=False)


class CheckedModel(BaseModel):
    """A settings model whose construction in Python raises :class:`SettingsError`.

    ``Model(...)`` with bad values raises :class:`SettingsError` in one line
    (``Model: field: problem``); ``Model.model_validate(data)`` raises pydantic's
    ``ValidationError`` as before, for callers that report it themselves (a
    campaign file). Models nested in either are reported with their full path.
    """

    def __init__(self, /, **data: object) -> None:
        if _VALIDATING.get():
            super().__init__(**data)
            return
        token = _VALIDATING.set(True)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise SettingsError(f"{type(self).__name__}: {first_error(exc)}") from None
        finally:
            _VALIDATING.reset(token)

    @classmethod
    def model_validate(cls, obj: object, **kwargs: object):  # type: ignore[override]
        """pydantic's ``model_validate`` (errors stay pydantic's ``ValidationError``)."""
        token = _VALIDATING.set(True)
        try:
            return super().model_validate(obj, **kwargs)
        finally:
            _VALIDATING.reset(token)


__all__ = ["CampaignError", "CheckedModel", "SettingsError", "StoreError", "first_error"]
