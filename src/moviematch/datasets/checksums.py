"""Checksums of the dataset files, and the hashing used to check them.

Policy (see docs/data.md): the sha256 of every file of the two frozen MovieLens releases
(``ml-latest-small``, generated 2018-09-26, and ``ml-100k``) is pinned here, so a download or a
local copy is checked file by file whatever the archive looked like. ``ml-25m`` and
``ml-latest`` have no pins: their zip is checked against the ``<name>.zip.md5`` GroupLens
publishes next to it (``ml-latest`` changes between releases, so a pin would go stale). The
IMDb files change daily and come without checksums; they are checked for completeness
(``Content-Length``) and gzip framing only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from moviematch.datasets.errors import ChecksumError

#: sha256 of every file inside the MovieLens archives, by dataset and file name.
PINNED_SHA256: Mapping[str, Mapping[str, str]] = {
    "ml-latest-small": {
        "README.txt": "63d22ac138e80fae37021797ed8e1b9424b5239dc576a137422adf783ae3f404",
        "links.csv": "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
        "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
        "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
        "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
    },
    "ml-100k": {
        "README": "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52",
        "allbut.pl": "bfc6a75cbd65c74bb38a0b580dbe866af252733dfa9a65a2c4b93258774ee8a3",
        "mku.sh": "7929735c375e89a04340e34de621bf2ea643cd04b0bcda2c6f458e4be961ae71",
        "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
        "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
        "u.info": "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b",
        "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
        "u.occupation": "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
        "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
        "u1.base": "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a",
        "u1.test": "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950",
        "u2.base": "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e",
        "u2.test": "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3",
        "u3.base": "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d",
        "u3.test": "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d",
        "u4.base": "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca",
        "u4.test": "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9",
        "u5.base": "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485",
        "u5.test": "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634",
        "ua.base": "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2",
        "ua.test": "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42",
        "ub.base": "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881",
        "ub.test": "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da",
    },
}

_CHUNK = 1 << 20


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_digest(path: Path, expected: str, algorithm: str = "sha256") -> None:
    """Raise :class:`ChecksumError` unless the file's digest equals `expected` (hex)."""
    actual = file_digest(path, algorithm)
    if actual != expected.lower():
        raise ChecksumError(path, algorithm, expected.lower(), actual)


def verify_pinned(pins: Mapping[str, str], directory: Path, *, require_all: bool) -> list[str]:
    """Check the files of `directory` named in `pins` (file name -> sha256); return those checked.

    Parameters
    ----------
    pins : mapping of str to str
        Usually ``PINNED_SHA256[name]`` (via ``DatasetSpec.sha256``); empty checks nothing.
    require_all : bool
        True (a fresh download) to demand every pinned file; False (a user's copy) to check
        only those present, the caller having checked the required ones exist.

    Raises
    ------
    ChecksumError
        A file differs from its pin, or (with `require_all`) a pinned file is missing.
    """
    checked: list[str] = []
    for filename, expected in pins.items():
        path = directory / filename
        if not path.is_file():
            if require_all:
                raise ChecksumError(path, "sha256", expected, "missing")
            continue
        verify_digest(path, expected)
        checked.append(filename)
    return checked
