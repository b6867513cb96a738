"""A lab Open MPIC for tests/e2e/mpic.sh, built on open-mpic-core (PyPI).

Two roles, each its own process:

  perspective CODE SOURCE_IP PORT DNS_IP DNS_PORT
      An Open MPIC remote perspective: MpicDcvChecker and MpicCaaChecker whose
      DNS questions and HTTP connections leave from SOURCE_IP (a loopback
      address of its own), asking the DNS server at DNS_IP:DNS_PORT, so that
      BIND views and nginx allow/deny rules can tell perspectives apart, as
      real networks tell regions apart. Serves POST /check on SOURCE_IP:PORT.

  coordinator PORT PERSPECTIVES
      The API (v3): POST /mpic runs open-mpic-core's MpicCoordinator over the
      perspectives, given as CODE=RIR=URL,... . With MPIC_LAB_KEY set, a
      request without that x-api-key gets 403. For the error cases, the same
      server also answers under /fail500, /html, /notmpic and /hang.
"""

import asyncio
import json
import socket
import sys
from typing import Annotated, Union

import aiohttp
import aiohttp.abc
import dns.asyncresolver
import dns.resolver
from aiohttp import web
from pydantic import Field, TypeAdapter, ValidationError

from open_mpic_core import (
    CaaCheckRequest,
    CaaCheckResponse,
    CheckType,
    DcvCheckRequest,
    DcvCheckResponse,
    MpicCaaChecker,
    MpicCaaRequest,
    MpicCoordinator,
    MpicCoordinatorConfiguration,
    MpicDcvChecker,
    MpicDcvRequest,
    RemotePerspective,
)


class SourcedResolver(dns.asyncresolver.Resolver):
    """Every question leaves from the perspective's own address."""

    def __init__(self, source, server, port):
        super().__init__(configure=False)
        self.nameservers = [server]
        self.port = port
        self.timeout = 2
        self.lifetime = 4
        self._source = source

    async def resolve(self, *args, **kwargs):
        kwargs.setdefault("source", self._source)
        return await super().resolve(*args, **kwargs)


class PerspectiveHostResolver(aiohttp.abc.AbstractResolver):
    """The web server's address, as the perspective's DNS view gives it."""

    def __init__(self, resolver):
        self.resolver = resolver

    async def resolve(self, host, port=0, family=socket.AF_INET):
        answer = await self.resolver.resolve(host, "A")
        return [
            {
                "hostname": host,
                "host": r.address,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for r in answer
        ]

    async def close(self):
        pass


class SourcedDcvChecker(MpicDcvChecker):
    def __init__(self, source, resolver):
        super().__init__(http_client_timeout=5, verify_ssl=False)
        self.resolver = resolver
        self._source = source

    def get_async_http_client(self):
        source, resolver, timeout = self._source, self.resolver, self._http_client_timeout

        class _Client:
            async def __aenter__(self):
                connector = aiohttp.TCPConnector(
                    ssl=False,
                    limit=0,
                    force_close=True,
                    local_addr=(source, 0),
                    resolver=PerspectiveHostResolver(resolver),
                )
                self.session = aiohttp.ClientSession(
                    connector=connector,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                    cookie_jar=aiohttp.DummyCookieJar(),
                )
                return self.session

            async def __aexit__(self, *exc):
                await self.session.close()

        return _Client()


def perspective(code, source, port, dns_ip, dns_port):
    resolver = SourcedResolver(source, dns_ip, int(dns_port))
    dcv = SourcedDcvChecker(source, resolver)
    caa = MpicCaaChecker(default_caa_domain_list=[])
    caa.resolver = resolver

    async def check(request):
        body = await request.json()
        if body["check_type"] == "caa":
            response = await caa.check_caa(CaaCheckRequest.model_validate(body["request"]))
        else:
            response = await dcv.check_dcv(DcvCheckRequest.model_validate(body["request"]))
        return web.Response(text=response.model_dump_json(), content_type="application/json")

    app = web.Application()
    app.router.add_post("/check", check)
    print(f"perspective {code} on {source}:{port}", flush=True)
    web.run_app(app, host=source, port=int(port), print=None)


MpicRequestModel = TypeAdapter(
    Annotated[Union[MpicCaaRequest, MpicDcvRequest], Field(discriminator="check_type")]
)


def coordinator(port, perspectives_arg):
    perspectives, urls = [], {}
    for item in perspectives_arg.split(","):
        code, rir, url = item.split("=", 2)
        perspectives.append(RemotePerspective(code=code, rir=rir))
        urls[code] = url
    session_holder = {}

    async def call_perspective(perspective, check_type, check_request):
        session = session_holder["session"]
        payload = {"check_type": check_type.value, "request": json.loads(check_request.model_dump_json())}
        async with session.post(urls[perspective.code], json=payload, timeout=aiohttp.ClientTimeout(total=20)) as r:
            text = await r.text()
            if r.status != 200:
                raise RuntimeError(f"perspective answered HTTP {r.status}")
        if check_type == CheckType.CAA:
            return CaaCheckResponse.model_validate_json(text)
        return DcvCheckResponse.model_validate_json(text)

    config = MpicCoordinatorConfiguration(
        target_perspectives=perspectives,
        default_perspective_count=len(perspectives),
        global_max_attempts=1,
        # The secret seeds Open MPIC's cohort shuffle; with this one the cohorts of 4
        # and 5 for blocked., geo. and caa.lab.test hold both perspectives of the
        # RIR the lab treats differently (the 6th perspective left out is ARIN).
        hash_secret="dcv-lab-2",
    )
    mpic = MpicCoordinator(call_perspective, config)
    key = __import__("os").environ.get("MPIC_LAB_KEY")

    async def handle(request):
        if key and request.headers.get("x-api-key") != key:
            return web.json_response({"message": "Forbidden"}, status=403)
        try:
            mpic_request = MpicRequestModel.validate_json(await request.read())
        except ValidationError as e:
            return web.json_response({"error": "invalid request", "validation_issues": json.loads(e.json())}, status=400)
        print(f"request {mpic_request.check_type.value} {mpic_request.domain_or_ip_target}", flush=True)
        try:
            response = await mpic.coordinate_mpic(mpic_request)
        except Exception as e:  # the coordinator refused the request (cohort, validation)
            return web.json_response({"error": type(e).__name__, "message": str(e)}, status=500)
        return web.Response(text=response.model_dump_json(), content_type="application/json")

    async def fail500(request):
        return web.Response(status=500, text="Internal Server Error")

    async def html(request):
        return web.Response(text="<html><body><h1>Welcome to nginx!</h1></body></html>", content_type="text/html")

    async def notmpic(request):
        return web.json_response({"status": "ok", "version": "1.0"})

    async def hang(request):
        await asyncio.sleep(3600)
        return web.Response(text="late")

    async def start(app):
        session_holder["session"] = aiohttp.ClientSession()

    async def stop(app):
        await session_holder["session"].close()

    app = web.Application()
    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    app.router.add_post("/mpic", handle)
    app.router.add_post("/fail500/mpic", fail500)
    app.router.add_post("/html/mpic", html)
    app.router.add_post("/notmpic/mpic", notmpic)
    app.router.add_post("/hang/mpic", hang)
    print(f"coordinator on 127.0.0.1:{port} over {len(perspectives)} perspectives", flush=True)
    web.run_app(app, host="127.0.0.1", port=int(port), print=None)


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "perspective":
        perspective(*sys.argv[2:7])
    elif role == "coordinator":
        coordinator(*sys.argv[2:4])
    else:
        sys.exit(f"unknown role {role}")
