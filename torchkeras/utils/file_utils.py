"""`keras.utils.get_file`: download a file into the Keras cache (with hash checks and safe extraction).

Files land in `cache_dir/cache_subdir` (default `$KERAS_HOME/datasets`, i.e. `~/.keras/datasets`), under the
same names Keras uses, so a cache filled by Keras is reused as is. Downloads are written to a temporary file
beside the target and renamed into place, so an interrupted download never leaves a partial file behind.
Archives are extracted member by member after checking that no member escapes the extraction directory.
"""
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from torchkeras.api_export import keras_export
from torchkeras.backend import config
from torchkeras.utils import io_utils

_CHUNK = 1 << 16


class URLFetchError(Exception):
    """A download failed (no network, HTTP error, bad URL). The message says where to put the file by hand."""


def path_to_string(path):
    """Convert a `PathLike` to a string; return anything else unchanged."""
    if isinstance(path, os.PathLike):
        return os.fspath(path)
    return path


# --- hashes ---------------------------------------------------------------------------------------------
def resolve_hasher(algorithm, file_hash=None):
    """A hashlib object for `"sha256"`, `"md5"` or `"auto"` (sha256 for 64-character hashes, else md5)."""
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "auto" and file_hash is not None and len(file_hash) == 64:
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """The hex digest of a file (`algorithm`: `"sha256"`, `"md5"`, `"auto"` or a hashlib object)."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Whether the file's sha256 or md5 hash equals `file_hash`."""
    hasher = resolve_hasher(algorithm, file_hash)
    return str(hash_file(fpath, hasher, chunk_size)) == str(file_hash)


# --- safe extraction ------------------------------------------------------------------------------------
def _inside(base_dir, relative_path):
    """The resolved path of `relative_path` under `base_dir`, or None if it would land outside."""
    if os.path.isabs(relative_path):
        return None
    target = os.path.realpath(os.path.join(base_dir, relative_path))
    try:
        return target if os.path.commonpath([target, base_dir]) == base_dir else None
    except ValueError:
        return None


def _safe_tar_members(archive, base_dir):
    for member in archive.getmembers():
        ok = _inside(base_dir, member.name) is not None
        if ok and member.issym():
            link = os.path.join(os.path.dirname(member.name), member.linkname)
            ok = not os.path.isabs(member.linkname) and _inside(base_dir, link) is not None
        elif ok and member.islnk():
            ok = _inside(base_dir, member.linkname) is not None
        elif ok and (member.isdev() or member.isfifo()):
            ok = False
        if ok:
            yield member
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{member.name}'.", stacklevel=3)


def _safe_zip_members(archive, base_dir):
    for info in archive.infolist():
        if _inside(base_dir, info.filename) is not None:
            yield info
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{info.filename}'.", stacklevel=3)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a `.tar`, `.tar.gz`, `.tar.bz2` or `.zip` archive into `path`, skipping unsafe members.

    `archive_format`: `"auto"` (tar then zip), `"tar"`, `"zip"`, a list of those, or None (extract nothing).
    Returns True if the file was an archive of an accepted format and was extracted.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path = path_to_string(file_path)
    path = path_to_string(path)
    for kind in archive_format:
        if kind == "tar":
            is_match, opener = tarfile.is_tarfile, tarfile.open
        elif kind == "zip":
            is_match, opener = zipfile.is_zipfile, zipfile.ZipFile
        else:
            raise NotImplementedError(
                f"Unknown archive format: {kind!r}. Expected 'tar', 'zip', 'auto' or None.")
        if not is_match(file_path):
            continue
        os.makedirs(path, exist_ok=True)
        base_dir = os.path.realpath(path)
        with opener(file_path) as archive:
            try:
                if kind == "zip":
                    archive.extractall(path, members=list(_safe_zip_members(archive, base_dir)))
                else:
                    members = list(_safe_tar_members(archive, base_dir))
                    if hasattr(tarfile, "data_filter"):
                        archive.extractall(path, members=members, filter="data")
                    else:  # pragma: no cover - Python without tarfile filters
                        archive.extractall(path, members=members)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                if os.path.isfile(path):
                    os.remove(path)
                elif os.path.isdir(path):
                    shutil.rmtree(path)
                raise
        return True
    return False


# --- download -------------------------------------------------------------------------------------------
def _download(origin, target, fname):
    """Stream `origin` to a temporary file beside `target`, then rename it into place."""
    from torchkeras.utils.progbar import Progbar

    io_utils.print_msg(f"Downloading data from {origin}")
    directory = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=".download-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(origin)  # noqa: S310 - user-given URL, like Keras
            except urllib.error.HTTPError as e:
                raise URLFetchError(_fetch_message(origin, e.code, e.msg, fname, target)) from None
            except (urllib.error.URLError, OSError, ValueError) as e:
                reason = getattr(e, "reason", e)
                raise URLFetchError(_fetch_message(origin, getattr(e, "errno", None), reason, fname,
                                                   target)) from None
            with response:
                total = response.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                progbar = Progbar(total)
                done = 0
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    done += len(chunk)
                    progbar.update(done if total is None else min(done, total))
                if total is not None and done < total:
                    raise URLFetchError(
                        f"URL fetch failure on {origin}: the connection closed after {done} of {total} bytes.")
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _fetch_message(origin, code, reason, fname, target):
    return (
        f"URL fetch failure on {origin}: {code} -- {reason}\n"
        f"torchkeras could not download the file '{fname}'. If this machine has no network access, download "
        f"{origin} on another machine and copy it to {target} (the cache directory can be changed with the "
        "`KERAS_HOME` environment variable or the `cache_dir` argument)."
    )


@keras_export("keras.utils.get_file", "keras.utils.data_utils.get_file")
def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Download a file from a URL if it is not already in the cache, and return its local path.

    The file is saved as `cache_dir/cache_subdir/fname` (default `~/.keras/datasets/fname`, or under
    `$KERAS_HOME`). With `file_hash` (sha256 or md5; `md5_hash` is the deprecated spelling) a cached file
    whose hash differs is downloaded again, and a download whose hash differs raises. With `extract=True`
    (or the deprecated `untar=True`) the archive is extracted and the extraction directory is returned:
    `fname` without an extension names that directory, and the archive is kept as `<fname>_archive`.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = config.keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    datadir_base = os.path.expanduser(path_to_string(cache_dir))
    if not os.access(datadir_base, os.W_OK):
        if os.path.exists(datadir_base) or not _can_create(datadir_base):
            datadir_base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(datadir_base, path_to_string(cache_subdir))
    os.makedirs(datadir, exist_ok=True)

    provided_fname = fname
    fname = path_to_string(fname)
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'."
                "Please specify the `fname` argument."
            )
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent directory, "
            f"use the `cache_dir` argument. Received: fname={fname}"
        )

    extraction_dir = None
    if extract or untar:
        if provided_fname and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, f"{fname}_archive")
    else:
        download_target = os.path.join(datadir, fname)

    if force_download or not os.path.exists(download_target):
        download = True
    else:
        download = False
        if file_hash is not None and not validate_file(download_target, file_hash, algorithm=hash_algorithm):
            io_utils.print_msg(
                "A local file was found, but it seems to be incomplete or outdated because the "
                f"{hash_algorithm} file hash does not match the original value of {file_hash} so we will "
                "re-download the data."
            )
            download = True

    if download:
        _download(origin, download_target, fname)
        if file_hash is not None and not validate_file(download_target, file_hash, algorithm=hash_algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does not match the "
                f"provided value of {file_hash}."
            )

    if extraction_dir is not None:
        if untar:
            archive_format = "tar"
        if not extract_archive(download_target, extraction_dir, archive_format):
            warnings.warn("Could not extract archive.", stacklevel=2)
        return extraction_dir
    return download_target


def _can_create(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)
