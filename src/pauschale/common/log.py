"""Structured logging: stable snake_case event names, identifiers as context.

Never pass personal data (names, IBANs, codes, PINs, identity-provider subjects)
to a logger; see docs/logging.md. ``get_logger`` is the only way in.
"""

import structlog

_configured = False


def configure() -> None:
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _configured = True


def get_logger(name: str):
    configure()
    return structlog.get_logger(name)
