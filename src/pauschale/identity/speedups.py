"""Two costs that pysaml2 pays on every SAML message, paid once per process.

- It reads and parses the signing key from its PEM file each time a client or
  server object is made (djangosaml2 makes one per request). Since cryptography
  42, loading an RSA-3072 private key checks the key and costs about 0.1 s of
  CPU; at launch-day login rates that alone would fill a core. Keys are cached
  by file name and modification time, so a replaced key file is read again.
- Before every xmlsec1 run it starts a second ``xmlsec1 --version`` process to
  learn the version, which does not change while the process lives.

Both are applied once, from ``IdentityConfig.ready``.
"""

import functools
import os

from saml2 import sigver

_original_import_key = sigver.import_rsa_key_from_file


@functools.lru_cache(maxsize=16)
def _cached_key(filename: str, mtime_ns: int):
    return _original_import_key(filename)


def _import_rsa_key_from_file(filename):
    return _cached_key(str(filename), os.stat(filename).st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _xmlsec_version(binary: str) -> str:
    return _original_version.fget(_VersionProbe(binary))


class _VersionProbe:
    def __init__(self, binary: str):
        self.xmlsec = binary


_original_version = sigver.CryptoBackendXmlSec1.version


def apply() -> None:
    if sigver.import_rsa_key_from_file is _import_rsa_key_from_file:
        return
    sigver.import_rsa_key_from_file = _import_rsa_key_from_file
    sigver.CryptoBackendXmlSec1.version = property(
        lambda self: _xmlsec_version(self.xmlsec)
    )
