"""The reference of the poll benchmark: a minimal Starlette endpoint that does
one Redis GET. Run by poll_throughput.py with uvicorn (uvloop, httptools)."""

import os

import redis.asyncio as redis
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

KEY = os.environ.get("BENCH_REDIS_KEY", "bench:reference")
client = redis.Redis.from_url(os.environ["REDIS_URL"])


async def get(request):
    value = await client.get(KEY)
    return Response(value or b"{}", media_type="application/json")


app = Starlette(routes=[Route("/get", get)])
