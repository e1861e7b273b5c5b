#!/usr/bin/env python3
"""Write an uncompressed tar holding one file of MIB MiB of random (incompressible) bytes.

Usage: mkblob.py OUT MIB
Streams in 1 MiB chunks (never holds the layer in memory) and prints "sha256:HEX SIZE" for the
tar file it wrote, hashed in the same pass.
"""
import hashlib
import os
import sys
import tarfile

CHUNK = 1 << 20


class RandomReader:
    """A file-like source of N random bytes."""

    def __init__(self, size):
        self.left = size

    def read(self, size=-1):
        if size < 0 or size > self.left:
            size = self.left
        self.left -= size
        return os.urandom(size)


class HashingWriter:
    """Writes through to a file while hashing and counting."""

    def __init__(self, out):
        self.out = out
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.out.write(data)
        self.hash.update(data)
        self.size += len(data)
        return len(data)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkblob.py OUT MIB")
    path, mib = sys.argv[1], int(sys.argv[2])
    payload = mib * CHUNK
    with open(path, "wb", buffering=CHUNK) as raw:
        writer = HashingWriter(raw)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            tar.copybufsize = CHUNK
            info = tarfile.TarInfo("random.bin")
            info.size = payload
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, RandomReader(payload))
    print(f"sha256:{writer.hash.hexdigest()} {writer.size}")


if __name__ == "__main__":
    main()
