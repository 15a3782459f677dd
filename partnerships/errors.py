class ApplicationError(Exception):
    """A business rule refused an action. `message` is French and shown to the user as is."""

    def __init__(self, message: str, *, code: str = "refused", extra: dict | None = None, status: int = 400):
        super().__init__(message)
        self.status = status  # the API's answer: 400, or 422 where a standard says so
        self.message = message
        self.code = code
        self.extra = extra or {}


# One answer for an id sent by the client that does not exist and one that exists but is not the
# client's to choose (another landlord's building, a unit of another département): two different
# messages would tell an attacker which ids exist elsewhere.
NOT_A_CHOICE = "Élément introuvable : il n'existe pas ou ne fait pas partie des choix possibles ici."
