r"""The app's side of the dispatcher: submit a task, await its outcome; a bounded queue.

At most ``config.capacity()`` tasks (running + waiting) are in the dispatcher at once;
:meth:`Pool.run` refuses one more with :class:`Busy` (the app answers 503 with Retry-After).
If the dispatcher itself dies, every task in it fails with ``worker_lost`` and a new dispatcher
is started: the pool survives.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import sys

from derive.serve.config import ServeConfig

log = logging.getLogger("derive.serve")


class Busy(Exception):
    """The queue is full (or the pool is still starting); retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Pool:
    def __init__(self, config: ServeConfig):
        self.config = config
        self.pending = 0
        self.results: list[dict] = []
        self.dispatcher_pid: int | None = None
        self.dispatcher_restarts = 0
        self._ids = itertools.count(1)
        self._futures: dict[int, asyncio.Future] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._closing = False
        self._write_lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def start(self) -> None:
        """Start the dispatcher (returns at once; :meth:`wait_ready` waits for its topics)."""
        self._ready.clear()
        settings = json.dumps(self.config.dispatcher_settings())
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "derive.serve.dispatcher", settings,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=dict(os.environ),
            limit=64 * 1024 * 1024)
        self._reader = asyncio.create_task(self._read(self._proc))

    async def wait_ready(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def _read(self, proc) -> None:
        try:
            while True:
                line = await proc.stdout.readline()
                if not line:
                    break
                message = json.loads(line)
                if message.get("ready"):
                    self.results = message["results"]
                    self.dispatcher_pid = message["pid"]
                    self._ready.set()
                    log.info("checking pool ready: %d workers, %d result ids", self.config.workers,
                             len(self.results))
                    continue
                future = self._futures.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message["outcome"])
        finally:
            await self._lost(proc)

    async def _lost(self, proc) -> None:
        """The dispatcher ended: fail what was in it; start a new one unless shutting down."""
        self._ready.clear()
        lost = {"ok": False, "error": "worker_lost", "message": "the checking pool restarted; send it again"}
        for future in self._futures.values():
            if not future.done():
                future.set_result(lost)
        self._futures.clear()
        if self._closing:
            return
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        await proc.wait()
        log.error("the checking pool stopped (exit %s); starting a new one", proc.returncode)
        self.dispatcher_restarts += 1
        await self.start()

    async def run(self, kind: str, payload: dict | None = None, *, admit: bool = True) -> dict:
        """Run one task; its outcome ``{"ok": True, "value": ...}`` or ``{"ok": False, ...}``.

        ``admit=False`` skips the queue bound (for the items of an admitted /grade batch, which
        bounds its own window).
        """
        if not self.ready:
            raise Busy("the checking pool is starting", 5)
        if admit and self.pending >= self.config.capacity():
            raise Busy(f"the queue is full ({self.pending} answers are being checked or waiting)", 1)
        return await self._send({"kind": kind, "payload": payload or {}, "patient": not admit})

    async def stats(self) -> dict:
        if not self.ready:
            return {}
        outcome = await self._send({"kind": "stats"})
        return outcome.get("value", {})

    async def _send(self, message: dict) -> dict:
        tid = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._futures[tid] = future
        self.pending += 1
        try:
            data = (json.dumps({"id": tid, **message}, ensure_ascii=False) + "\n").encode()
            async with self._write_lock:
                self._proc.stdin.write(data)
                await self._proc.stdin.drain()
            return await future
        except (ConnectionError, BrokenPipeError):
            self._futures.pop(tid, None)
            return {"ok": False, "error": "worker_lost", "message": "the checking pool restarted; send it again"}
        finally:
            self.pending -= 1

    async def stop(self) -> None:
        self._closing = True
        proc = self._proc
        if proc is None:
            return
        try:
            proc.stdin.close()
        except Exception:
            pass
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
