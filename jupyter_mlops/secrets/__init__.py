"""Trust: secrets kept in one folder (0700, files 0600) and masked in everything written.

A secret's value lives only in its file under the secrets folder; runs get it in the kernel's
environment when they start, and every text a run writes passes a `Masker` first.
"""

from .masking import MASK, Masker
from .store import SecretInfo, get_secret, list_secrets, remove_secret, secrets_dir, set_secret

__all__ = ["MASK", "Masker", "SecretInfo", "get_secret", "list_secrets", "remove_secret", "secrets_dir",
           "set_secret"]
