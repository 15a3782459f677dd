class ApplicationError(Exception):
    """A business rule refused an action. `message` is French and shown to the user as is."""

    def __init__(self, message: str, *, code: str = "refused", extra: dict | None = None, status: int = 400):
        super().__init__(message)
        self.status = status  # the API's answer: 400, or 422 where a standard says so
        self.message = message
        self.code = code
        self.extra = extra or {}
