#!/usr/bin/env python3
"""Loopback HTTP server for bench/check_http.sh (standard library only).

GET /.well-known/pki-validation/<MD5>.txt -> waits DELAY seconds, then the body
GET /big          -> 50 MB with Content-Length
GET /big-chunked  -> 50 MB, chunked (no length announced)
anything else     -> 404
Prints the port it listens on, then serves until killed.
"""
import asyncio
import sys

DELAY = float(sys.argv[1])
MD5 = sys.argv[2]
BODY = sys.argv[3].replace("\\n", "\n").encode()
BIG = 50 * 1024 * 1024
CHUNK = b"a" * 65536


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin1")
        if path.startswith("/big"):
            chunked = path == "/big-chunked"
            framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % BIG
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + framing + b"\r\n\r\n")
            sent = 0
            while sent < BIG:
                writer.write(b"10000\r\n" + CHUNK + b"\r\n" if chunked else CHUNK)
                await writer.drain()
                sent += len(CHUNK)
            if chunked:
                writer.write(b"0\r\n\r\n")
        else:
            await asyncio.sleep(DELAY)
            ok = path == "/.well-known/pki-validation/%s.txt" % MD5
            body = BODY if ok else b"not found"
            status = b"200 OK" if ok else b"404 Not Found"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, IndexError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=2048)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
