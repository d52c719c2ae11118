"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, as a student's
browser: open a page, wait, read pixels of the terminal canvas, take a screenshot.

xterm.js draws the terminal on a canvas, so "is the sidebar there" is asked of its pixels:
the selected sidebar entry is a bar of one colour across the sidebar's width, unlike the
empty page before the app has drawn.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

SAMPLES_JS = """(() => {
  const canvas = document.querySelector('canvas.xterm-text-layer');
  if (!canvas) return null;
  const context = canvas.getContext('2d');
  const rows = [];
  for (let y = 1; y < Math.min(canvas.height, 160); y += 3) {
    const data = context.getImageData(0, y, canvas.width, 1).data;
    const row = [];
    for (let x = 4; x < canvas.width; x += 9) {
      row.push([data[4 * x], data[4 * x + 1], data[4 * x + 2]].join(','));
    }
    rows.push(row);
  }
  const last = context.getImageData(canvas.width - 3, canvas.height - 3, 1, 1).data;
  return {rows: rows, corner: [last[0], last[1], last[2]].join(',')};
})()"""


@dataclass
class Page:
    websocket: aiohttp.ClientWebSocketResponse
    counter: int = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.counter += 1
        number = self.counter
        await self.websocket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self.websocket.receive_json()
            if message.get("id") == number:
                return message.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer.get("result", {}).get("value")

    async def sidebar_drawn(self) -> bool:
        """Whether the terminal shows a bar of one colour across the left 15 samples (about
        15 cells) near the top, unlike the corner's colour: the selected sidebar entry."""
        found = await self.evaluate(SAMPLES_JS)
        if not found:
            return False
        return any(len(set(row[1:16])) == 1 and row[1] != found["corner"]
                   and row[1] != row[-1] for row in found["rows"])

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@asynccontextmanager
async def chromium(width: int = 1280, height: int = 800):
    """A headless Chromium with its own profile; yields a function that opens a new tab."""
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is needed (tests/run.sh installs it)"
    profile = tempfile.mkdtemp(prefix="kw-chromium-")
    process = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--window-size={width},{height}", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        async with aiohttp.ClientSession() as session:
            sockets = []

            async def open_tab(url: str) -> Page:
                target = await (await session.put(
                    f"http://127.0.0.1:{port}/json/new?{url}")).json()
                websocket = await session.ws_connect(target["webSocketDebuggerUrl"],
                                                     max_msg_size=0)
                sockets.append(websocket)
                return Page(websocket)

            try:
                yield open_tab
            finally:
                for websocket in sockets:
                    await websocket.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)
