#!/usr/bin/env python3
"""A UDP proxy that adds a fixed delay to every DNS answer: a simulated
network round trip in front of a loopback server, for bench/dns.sh.

usage: delay_proxy.py LISTEN_IP LISTEN_PORT UPSTREAM_IP UPSTREAM_PORT DELAY_MS

Each datagram is forwarded at once from a fresh upstream socket and its
answer is held DELAY_MS before it goes back, independently of the others,
so concurrency is preserved as on a real network.
"""
import asyncio
import sys


class Upstream(asyncio.DatagramProtocol):
    def __init__(self, proxy, client, delay):
        self.proxy, self.client, self.delay = proxy, client, delay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        loop = asyncio.get_running_loop()
        loop.call_later(self.delay, self.reply, data)

    def reply(self, data):
        self.proxy.transport.sendto(data, self.client)
        self.transport.close()


class Proxy(asyncio.DatagramProtocol):
    def __init__(self, upstream, delay):
        self.upstream, self.delay = upstream, delay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        asyncio.ensure_future(self.forward(data, addr))

    async def forward(self, data, client):
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: Upstream(self, client, self.delay), remote_addr=self.upstream
        )
        transport.sendto(data)
        # Give up on an upstream that never answers.
        loop.call_later(10, transport.close)


async def main():
    lip, lport, uip, uport, delay_ms = sys.argv[1:6]
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(
        lambda: Proxy((uip, int(uport)), int(delay_ms) / 1000.0),
        local_addr=(lip, int(lport)),
    )
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
