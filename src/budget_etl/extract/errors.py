"""The error an extractor raises for a document it cannot turn into facts."""


class ExtractionError(Exception):
    """The document cannot be extracted; ``reason_code`` goes to raw.quarantine."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
